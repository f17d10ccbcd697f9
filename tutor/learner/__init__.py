"""Running the learner's own code: in a child process with limits, optionally in a bubblewrap sandbox.

- `process.run_child` starts `python -m <our module>` with time, memory, process and output limits;
  the child reports its result as JSON on a private pipe (`channel`), never on stdout.
- `sandbox.Sandbox` wraps that command in bubblewrap (read-only system, one writable workspace, no network).
- `capture_child` (child side) runs a learner's script and steps its graph's backward in the learner's own code;
  `capture.capture_graph` (parent side) runs it and `check_walk` checks each step.
"""

"""Running the learner's own code: in a child process with limits, optionally in a bubblewrap sandbox.

Parent side (the tutor's process; never runs learner code):
- `process.run_child(module, args, cwd=..., limits=Limits(), sandbox=None)` starts `python -P -m module args`
  with time, memory, process and output limits and returns a `ChildResult` (outcome, result, stdout, stderr,
  message). `sandbox.Sandbox(workspace)` wraps it in bubblewrap; `Sandbox.available()` says why it cannot.
- `walk.capture_script(path, name)` runs `capture_child` on a script and returns a `Walk`;
  `walk.Walk.from_json(raw)` reads a capture made by any child; `check_walk.check_walk(walk)` checks each step;
  `walk_text` says it in words; `components.walk_tree.WalkTree` and `screens.show.ShowScreen` show it.

Child side (inside the child process, next to the learner's objects; standard library only):
- `channel.serve(main)`: run `main(argv)` and report its return value (JSON) on the private channel; an
  exception becomes the learner's traceback trimmed to their files (`tracebacks.learner_traceback`).
- `script.run_script(path)`: run a learner's script as `__main__` and return its globals.
- `capture.find_root(scope, name)` and `capture.capture_graph(root)`: the graph, stepped the lecture's way in
  the learner's own `_backward()`s, as JSON for `Walk.from_json`.
"""

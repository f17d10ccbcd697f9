"""How many students can one machine serve? Open N SSH sessions at once on loopback and measure.

    python benchmarks/ssh_sessions.py 1 10 40
    python benchmarks/ssh_sessions.py --fresh 1 10 40    # every tutor started anew, no zygote (to compare)
    python benchmarks/ssh_sessions.py --live-terminal 40  # pyte reads every chunk as it comes (see below)

For each N: a fresh `tutor serve ssh` server in a process of its own (key login), as in
class, and N asyncssh clients in this process connecting at the same moment, each
reading its screen with pyte until the lesson browser shows. Reported per N, as a Markdown table:

- first screen: seconds from the client's connect to the lesson browser on its screen
  (SSH handshake, key login, starting the tutor, its first frame), median and slowest;
- CPU to first screen: the tutor's own CPU time from its fork to its first frame (and the
  little it used until all N were up), per session;
- keypresses: seconds from Enter to the first lesson's first step on screen, and from `n`
  to its second step, all N students pressing at the same moment;
- CPU per step: the tutor's CPU time for one `n` (next step) in the first lesson;
- RSS and PSS per session: the tutor processes' resident memory with a lesson open
  (PSS shares the pages they have in common, so it is what N of them really take), median;
- idle CPU: the tutors' CPU use while nobody types, per session.

The clients stand in for the students' own machines but share this one's cores, so their SSH
work takes CPU from the tutors and the figures are a little pessimistic. Their terminal emulation
(pyte) would take more: by default it reads a client's bytes only once the awaited text has
arrived in them, and the time reported is when the bytes that made the screen show it arrived
(see `Screen`). `--live-terminal` reads every chunk as it comes, as the first version did.
Needs the `classroom` and `test` extras (asyncssh, pyte).
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import asyncssh
import pyte

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tutor.classroom.ssh_server import Auth, ClassroomServer, ServerConfig

BROWSER_TITLE = "Backprop Tutor · pick a lesson"
LESSON_TITLE = "step 1/"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


class Screen(asyncssh.SSHClientSession):
    """A client terminal: the bytes are kept with their arrival times and read by pyte.

    In class, each student's terminal emulator runs on the student's own machine. Here the
    clients share the server's cores, so by default pyte reads the bytes only once the text
    awaited has arrived in them (or the stream has gone quiet), then replays them chunk by chunk
    to find the one after which the screen shows it: the same moment as reading every chunk
    as it comes, without 40 emulators taking CPU from the tutors while they start.
    `live = True` (`--live-terminal`) reads every chunk as it comes, as a student's terminal would.
    """

    live = False

    def __init__(self) -> None:
        self.screen = pyte.Screen(80, 24)
        self.stream = pyte.ByteStream(self.screen)
        self.chunks: list[tuple[float, bytes]] = []  # (arrival time, bytes)
        self.read = 0  # how many chunks pyte has read
        self.awaiting: str | None = None  # the text wait_for waits for
        self.shown: float | None = None  # when the bytes that showed it arrived (live reading)
        self.changed = asyncio.Event()
        self.chan: asyncssh.SSHClientChannel | None = None

    def connection_made(self, chan: asyncssh.SSHClientChannel) -> None:
        self.chan = chan

    def data_received(self, data: bytes, datatype: int | None) -> None:
        self.chunks.append((time.perf_counter(), data))
        if self.live:
            arrived = self._read_until(self.awaiting)
            if arrived is not None and self.shown is None:
                self.shown = arrived
        self.changed.set()

    def _shows(self, text: str) -> bool:
        return any(text in line for line in self.screen.display)

    def _read_until(self, text: str | None) -> float | None:
        """Feed pyte the chunks it has not read; the arrival time of the first after which the screen shows `text`."""
        while self.read < len(self.chunks):
            arrived, data = self.chunks[self.read]
            self.read += 1
            self.stream.feed(data)
            if text is not None and self._shows(text):
                return arrived
        return None

    async def wait_for(self, text: str, timeout: float = 300) -> float:
        """Wait until the screen shows `text`; return when the bytes that made it show arrived (perf_counter)."""
        needle = text.encode()
        deadline = time.monotonic() + timeout
        self.awaiting, self.shown = text, None
        quiet = False
        try:
            while self.shown is None:
                unread = b"".join(data for _, data in self.chunks[self.read :])
                if quiet or needle in unread:
                    arrived = self._read_until(text)
                    if arrived is not None:
                        return arrived
                self.changed.clear()
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"the screen never showed {text!r}")
                try:  # a text split by escape codes never matches the bytes: read them once the stream is quiet
                    await asyncio.wait_for(self.changed.wait(), min(left, 0.5))
                    quiet = False
                except TimeoutError:
                    quiet = True
            return self.shown
        finally:
            self.awaiting = None


def memory_kib(pid: int) -> tuple[int, int]:
    """(RSS, PSS) of one process, in KiB."""
    rss = pss = 0
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if line.startswith("Rss:"):
            rss = int(line.split()[1])
        elif line.startswith("Pss:"):
            pss = int(line.split()[1])
    return rss, pss


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime + stime


def serve(pipe, data_dir: Path, keys_file: Path, n: int, zygote: bool) -> None:
    """The server's process: sends its port, then answers "pids" (the tutors' pids) until "stop"."""

    async def main() -> None:
        config = ServerConfig(
            data_dir=data_dir, auth=Auth.keys(keys_file), port=0, max_sessions=n, idle_timeout=0, zygote=zygote
        )
        server = ClassroomServer(config)
        await server.start()
        pipe.send(server.port)
        loop = asyncio.get_running_loop()
        while (request := await loop.run_in_executor(None, pipe.recv)) != "stop":
            assert request == "pids"
            pipe.send([s.child.pid for s in server.sessions if s.child and s.child.pid])
        await server.close()
        pipe.send("stopped")

    asyncio.run(main())


async def measure(n: int, idle_seconds: float, zygote: bool = True) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="tutor-bench-") as tmp:
        key = asyncssh.generate_private_key("ssh-ed25519")
        keys_file = Path(tmp) / "authorized_keys"
        keys_file.write_bytes(key.export_public_key())
        loop = asyncio.get_running_loop()
        ours, theirs = multiprocessing.Pipe()
        server = multiprocessing.get_context("spawn").Process(
            target=serve, args=(theirs, Path(tmp) / "server", keys_file, n, zygote), daemon=True
        )
        server.start()
        port = await loop.run_in_executor(None, ours.recv)

        async def ask(request: str):
            ours.send(request)
            return await loop.run_in_executor(None, ours.recv)

        async def student(i: int) -> tuple[asyncssh.SSHClientConnection, Screen, float]:
            start = time.perf_counter()
            conn = await asyncssh.connect(
                "127.0.0.1", port, username=f"s{i:03}", client_keys=[key], known_hosts=None, agent_path=None
            )
            _, screen = await conn.create_session(Screen, term_type="xterm-256color", term_size=(80, 24), encoding=None)
            return conn, screen, await screen.wait_for(BROWSER_TITLE) - start

        began = time.perf_counter()
        students = await asyncio.gather(*(student(i) for i in range(n)))
        all_up = time.perf_counter() - began
        firsts = [seconds for _, _, seconds in students]
        pids = await ask("pids")
        start_cpu = sum(cpu_seconds(pid) for pid in pids) / n  # forked, set up, first screen drawn

        await asyncio.sleep(1)  # let the last frames settle before measuring idle
        cpu_before = sum(cpu_seconds(pid) for pid in pids)
        await asyncio.sleep(idle_seconds)
        idle_cpu = (sum(cpu_seconds(pid) for pid in pids) - cpu_before) / idle_seconds / n

        async def press(screen: Screen, key: bytes, expect: str) -> float:
            start = time.perf_counter()
            assert screen.chan is not None
            screen.chan.write(key)
            return await screen.wait_for(expect) - start

        opens = await asyncio.gather(*(press(screen, b"\r", LESSON_TITLE) for _, screen, _ in students))
        await asyncio.sleep(1)
        cpu_before = sum(cpu_seconds(pid) for pid in pids)
        steps = await asyncio.gather(*(press(screen, b"n", "step 2/") for _, screen, _ in students))
        await asyncio.sleep(0.5)  # the frames after the one we waited for
        step_cpu = (sum(cpu_seconds(pid) for pid in pids) - cpu_before) / n
        memory = [memory_kib(pid) for pid in pids]  # in a lesson: more than at the lesson list

        for conn, _, _ in students:
            conn.close()
        await ask("stop")
        server.join(30)
        return {
            "n": n,
            "first_median": statistics.median(firsts),
            "first_max": max(firsts),
            "start_cpu_ms": start_cpu * 1000,
            "all_up": all_up,
            "open_median": statistics.median(opens),
            "step_median": statistics.median(steps),
            "step_cpu_ms": step_cpu * 1000,
            "rss_mib": statistics.median(r for r, _ in memory) / 1024,
            "pss_mib": statistics.median(p for _, p in memory) / 1024,
            "idle_cpu_pct": idle_cpu * 100,
        }


def _total_memory_gib() -> float:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) / 1024 / 1024
    return 0.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "counts", nargs="*", type=int, default=[1, 10, 30], help="numbers of sessions (default 1 10 30)"
    )
    parser.add_argument("--fresh", action="store_true", help="start every tutor anew instead of from the zygote")
    parser.add_argument(
        "--live-terminal",
        action="store_true",
        help="clients read every chunk with pyte as it comes (their terminal work on this machine's cores)",
    )
    parser.add_argument("--idle", type=float, default=5.0, help="seconds to measure idle CPU (default 5)")
    args = parser.parse_args(argv)
    Screen.live = args.live_terminal

    rows = []
    for n in args.counts:
        print(f"measuring {n} session(s)…", file=sys.stderr, flush=True)
        rows.append(asyncio.run(measure(n, args.idle, zygote=not args.fresh)))

    memory = _total_memory_gib()
    how = "each tutor started anew" if args.fresh else "tutors forked from the zygote"
    print(
        f"SSH sessions on loopback, {how}: {os.cpu_count()} CPUs, {memory:.0f} GiB RAM, "
        f"Python {sys.version.split()[0]}\n"
    )
    print(
        "| sessions | first screen, median (s) | slowest (s) | CPU to first screen (ms) "
        "| Enter → lesson, median (s) | n → next step, median (s) | CPU per step (ms) "
        "| RSS / session (MiB) | PSS / session (MiB) | idle CPU / session |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        cells = [
            f"{r['n']}",
            f"{r['first_median']:.2f}",
            f"{r['first_max']:.2f}",
            f"{r['start_cpu_ms']:.0f}",
            f"{r['open_median']:.2f}",
            f"{r['step_median']:.2f}",
            f"{r['step_cpu_ms']:.0f}",
            f"{r['rss_mib']:.0f}",
            f"{r['pss_mib']:.0f}",
            f"{r['idle_cpu_pct']:.2f}%",
        ]
        print("| " + " | ".join(cells) + " |")
    largest = max(rows, key=lambda r: r["n"])
    fit = memory * 1024 * 0.75 / largest["pss_mib"]  # leave a quarter for the system and the server
    cpus = os.cpu_count() or 1
    step_ms = max(largest["step_cpu_ms"], 1)
    print(f"\nMemory: {fit:.0f} sessions fit in 75% of RAM at {largest['pss_mib']:.0f} MiB (PSS) each.")
    print(
        f"CPU: a step costs {step_ms:.0f} ms; at one key every 5 s each, {cpus} CPUs serve {cpus * 5000 / step_ms:.0f}."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

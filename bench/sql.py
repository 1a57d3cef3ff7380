"""The SQL functions beside the CLI's own bulk commands, and a Ballista cluster of one executor
beside one of two, over the bulk NDJSON (bench/ndjson.py), by the 5 fields of the README's bulk
figures (9 values a line):

* `erase --ndjson` and `sql --lines ... mask(line, ...)`;
* `encrypt --ndjson --suite 0x0478` and `sql --lines ... encrypt_fields(line, $context, ...)`;
* the mask and the encrypt query on `data-masking-scheduler` with one `data-masking-executor`,
  then with two (through the `remote_sql` example, which plans the query, fetches the results
  and writes them to a file).

Every command is a process of its own, its output written to a file (for the cluster, the
client's: its peak RSS is the client's alone); the rows of a table run in
turn, run after run, so a drift of the machine's speed touches each alike. Wall time (median of
RUNS), MB/s of input, peak RSS (GNU time). Each SQL output is checked: as many lines as the input,
and the mask output holds the same lines as `erase`'s (the query gives no order).

Usage: bench/sql [LINES] [RUNS]   (default 160,000 lines, 3 runs; run by its shell wrapper, which
builds the release binaries)
"""

import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

FIELDS = ["email", "ssn", "card_number", "address.postcode", "orders[*].card"]


def run(argv, stdin=None, stdout=subprocess.DEVNULL):
    """Runs `argv` to the end; returns (wall seconds, peak RSS in MiB). Fails on a non-zero exit."""
    with tempfile.NamedTemporaryFile("r") as rss:
        start = time.monotonic()
        proc = subprocess.run(
            ["/usr/bin/time", "-f", "%M", "-o", rss.name, *argv],
            stdin=stdin, stdout=stdout, stderr=subprocess.PIPE,
        )
        wall = time.monotonic() - start
        if proc.returncode != 0:
            raise SystemExit(f"{' '.join(argv)} failed ({proc.returncode}): {proc.stderr.decode()}")
        return wall, int(rss.read().split()[-1]) / 1024


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(port, proc, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"a cluster process exited ({proc.returncode})")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"nothing listens on port {port}")


class Cluster:
    """A scheduler and `executors` executors on loopback, each with the key file."""

    def __init__(self, bins, key, executors, work):
        self.procs = []
        self.port = free_port()
        log = open(os.path.join(work, "cluster.log"), "ab")
        self.procs.append(subprocess.Popen(
            [bins["scheduler"], "--bind", f"127.0.0.1:{self.port}", "--key-file", key,
             "--suite", "0x0478"],
            stdout=log, stderr=log,
        ))
        wait_for(self.port, self.procs[0])
        for i in range(executors):
            port = free_port()
            folder = os.path.join(work, f"executor-{i}")
            os.makedirs(folder, exist_ok=True)
            self.procs.append(subprocess.Popen(
                [bins["executor"], "--scheduler", f"127.0.0.1:{self.port}", "--port", str(port),
                 "--key-file", key, "--suite", "0x0478", "--work-dir", folder],
                stdout=log, stderr=log,
            ))
            wait_for(port, self.procs[-1])
        time.sleep(2)  # the executors register with the scheduler

    def close(self):
        for p in reversed(self.procs):
            p.terminate()
        for p in self.procs:
            p.wait()


def lines_of(path):
    with open(path, "rb") as f:
        return sum(1 for _ in f)


def sorted_digest(path):
    with open(path, "rb") as f:
        return sorted(f)


def main():
    lines = int(sys.argv[1]) if len(sys.argv) > 1 else 160_000
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    bins = {name: os.environ[var] for name, var in [
        ("cli", "DATA_MASKING_BIN"), ("scheduler", "SCHEDULER_BIN"),
        ("executor", "EXECUTOR_BIN"), ("remote", "REMOTE_SQL_BIN"),
    ]}
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    work = tempfile.mkdtemp(prefix="data-masking-sql-")
    try:
        data = os.path.join(work, "records.ndjson")
        with open(data, "w") as f:
            subprocess.run([sys.executable, os.path.join(root, "bench", "ndjson.py"), str(lines)],
                           stdout=f, check=True)
        size_mb = os.path.getsize(data) / 1e6
        key = os.path.join(work, "key.json")
        subprocess.run([bins["cli"], "keygen", "--namespace", "bench", "--name", "key",
                        "--output", key], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        out = lambda name: os.path.join(work, name)  # noqa: E731
        flags = [a for f in FIELDS for a in ("-f", f)]
        paths = ", ".join(f"'{f}'" for f in FIELDS)
        mask_sql = f"SELECT mask(line, {paths}) FROM t"
        enc_sql = f"SELECT encrypt_fields(line, '{{\"purpose\":\"bench\"}}', {paths}) FROM t"
        cli, ctx = bins["cli"], ["-k", key, "--suite", "0x0478"]

        def bulk(args, dst):
            with open(data, "rb") as src, open(dst, "wb") as sink:
                return run([cli, *args], stdin=src, stdout=sink)

        def sql(query, keys, dst):
            return run([cli, "sql", "--lines", f"t={data}", *keys, query,
                        "--output-lines", "-o", dst])

        def remote(cluster, query, dst):
            return run([bins["remote"], "--scheduler", f"127.0.0.1:{cluster.port}",
                        "--lines", f"t={data}", "--key-file", key, "--suite", "0x0478", query,
                        "--output-lines", "--output", dst])

        local = [
            ("`erase --ndjson`", lambda: bulk(["erase", "--ndjson", *flags], out("erase.ndjson"))),
            ("`sql`: `mask(line, ...)`", lambda: sql(mask_sql, [], out("mask.ndjson"))),
            ("`encrypt --ndjson --suite 0x0478`",
             lambda: bulk(["encrypt", "--ndjson", *flags, *ctx, "-c", "purpose=bench"],
                          out("encrypt.ndjson"))),
            ("`sql`: `encrypt_fields(line, ...)`, 0x0478",
             lambda: sql(enc_sql, ctx, out("enc.ndjson"))),
        ]
        results = {name: [] for name, _ in local}
        for _ in range(runs):
            for name, cmd in local:
                results[name].append(cmd())
        if sorted_digest(out("erase.ndjson")) != sorted_digest(out("mask.ndjson")):
            raise SystemExit("mask(line, ...) differs from erase --ndjson")
        for name in ["enc.ndjson", "encrypt.ndjson"]:
            if lines_of(out(name)) != lines:
                raise SystemExit(f"{name}: not {lines} lines")

        # The two clusters take turns, run after run, each started anew (not timed) and warmed
        # up by one untimed query.
        queries = [("mask", mask_sql), ("encrypt_fields, 0x0478", enc_sql)]
        remote_times = {(n, label): [] for n in (1, 2) for label, _ in queries}
        for _ in range(runs):
            for executors in (1, 2):
                cluster = Cluster(bins, key, executors, work)
                try:
                    dst = out(f"remote-{executors}.ndjson")
                    remote(cluster, mask_sql, dst)
                    for label, query in queries:
                        remote_times[(executors, label)].append(remote(cluster, query, dst))
                        if lines_of(dst) != lines:
                            raise SystemExit(f"cluster {label}: not {lines} lines")
                finally:
                    cluster.close()
        remote_rows = [
            (f"cluster, {n} executor{'s' * (n > 1)}: `{label}`", times)
            for (n, label), times in sorted(remote_times.items(),
                                            key=lambda kv: ([q for q, _ in queries].index(kv[0][1]), kv[0][0]))
        ]

        print(f"{lines:,} lines, {size_mb:.0f} MB; medians of {runs} runs")
        print()
        print("| command | wall | input MB/s | peak RSS |")
        print("|---|---:|---:|---:|")
        for name, times in list(results.items()) + remote_rows:
            wall = statistics.median(t for t, _ in times)
            peak = statistics.median(m for _, m in times)
            print(f"| {name} | {wall:.2f} s | {size_mb / wall:.0f} | {peak:.0f} MiB |")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

"""Large files through the CLIs: `data-masking encrypt --raw --binary` / `decrypt --raw --binary`
beside the AWS Encryption SDK CLI (`aws-encryption-cli`) on the same file and the same KMS key
(moto on loopback), both suites, with SHA-384 over the same bytes (`sha384sum`, and `openssl dgst -sha384` when there is one: the floor of a signed
message, its one sequential part) and a plain copy of the file (the floor of any pass over it).
Each command runs as a process of its own; its wall time and its peak RSS (the kernel's account
of the finished child) are printed as a Markdown table, medians of RUNS runs.

Usage: bench/large_files [SIZE_MB] [RUNS]     (default 1024 MB, 3 runs; run by its shell wrapper,
which builds the release CLI, makes the ESDK CLI's venv and starts moto)

Input and outputs live in a temporary folder (TMPDIR; the wrapper uses /dev/shm when it has
room), so the file is in memory and the outputs are written to files without waiting for a disk
(both CLIs sync or close their output; on tmpfs that costs nothing). Each decrypt's output is
compared with the file and removed after its run. Needs GNU time (/usr/bin/time).
"""

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import boto3

CONTEXT = ("purpose", "bench")


def run(argv):
    """Runs `argv` to the end; returns (wall seconds, peak RSS in MiB). Fails on a non-zero exit.

    The peak RSS is GNU time's account of the command alone (a child of this Python process
    would start with the parent's pages counted)."""
    with tempfile.NamedTemporaryFile("r") as rss:
        start = time.monotonic()
        proc = subprocess.run(
            ["/usr/bin/time", "-f", "%M", "-o", rss.name, *argv],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )
        wall = time.monotonic() - start
        if proc.returncode != 0:
            raise SystemExit(f"{' '.join(argv)} failed ({proc.returncode}): {proc.stderr.decode()}")
        return wall, int(rss.read().split()[-1]) / 1024


def main():
    size_mb = int(sys.argv[1]) if len(sys.argv) > 1 else 1024
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    ours = os.environ["DATA_MASKING_BIN"]
    esdk_cli = os.environ["ESDK_CLI"]
    region = os.environ.get("AWS_REGION", "us-east-1")
    key = boto3.client("kms", region_name=region).create_key()["KeyMetadata"]["Arn"]

    work = tempfile.mkdtemp(prefix="data-masking-large-")
    try:
        plain = os.path.join(work, "plain.bin")
        with open(plain, "wb") as f:
            chunk = os.urandom(1 << 20)
            for i in range(size_mb):
                # Each MiB differs (its first bytes), so no two frames are alike.
                f.write(i.to_bytes(8, "little") + chunk[8:])
        out = lambda name: os.path.join(work, name)  # noqa: E731
        ctx = f"{CONTEXT[0]}={CONTEXT[1]}"
        ours_enc = lambda suite, dst: [  # noqa: E731
            ours, "encrypt", "--raw", "--binary", "--kms-key", key, "--suite", suite,
            "-c", ctx, "-o", dst, plain,
        ]
        ours_dec = lambda src, dst: [  # noqa: E731
            ours, "decrypt", "--raw", "--binary", "--kms-key", key, "-c", ctx, "-o", dst, src,
        ]
        esdk_alg = {
            "0x0478": "AES_256_GCM_HKDF_SHA512_COMMIT_KEY",
            "0x0578": "AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384",
        }
        esdk_enc = lambda suite, dst: [  # noqa: E731
            esdk_cli, "--encrypt", "--input", plain, "--output", dst,
            "--wrapping-keys", f"key={key}", "--encryption-context", ctx,
            "--algorithm", esdk_alg[suite], "--commitment-policy", "require-encrypt-require-decrypt",
            "--metadata-output", os.devnull,
        ]
        esdk_dec = lambda src, dst: [  # noqa: E731
            esdk_cli, "--decrypt", "--input", src, "--output", dst,
            "--wrapping-keys", f"key={key}", "--encryption-context", ctx,
            "--commitment-policy", "require-encrypt-require-decrypt",
            "--metadata-output", os.devnull, "--buffer",
        ]
        rows = []
        # Each workload's runs alternate with the others', so a drift of the machine's speed
        # touches them all alike.
        workloads = [
            ("copy of the file (`cp`)", ["cp", plain, out("copy.bin")]),
            ("SHA-384 of the file (`sha384sum`)", ["sha384sum", plain]),
        ]
        if shutil.which("openssl"):
            workloads.append(("SHA-384 of the file (`openssl dgst -sha384`)", ["openssl", "dgst", "-sha384", plain]))
        for suite in ("0x0478", "0x0578"):
            workloads += [
                (f"data-masking encrypt, {suite}", ours_enc(suite, out(f"ours-{suite}.bin"))),
                (f"data-masking decrypt, {suite}", ours_dec(out(f"ours-{suite}.bin"), out(f"ours-{suite}.out"))),
                (f"aws-encryption-cli encrypt, {suite}", esdk_enc(suite, out(f"esdk-{suite}.bin"))),
                (f"aws-encryption-cli decrypt, {suite}", esdk_dec(out(f"esdk-{suite}.bin"), out(f"esdk-{suite}.out"))),
            ]
        times = {name: [] for name, _ in workloads}
        for _ in range(runs):
            for name, argv in workloads:
                times[name].append(run(argv))
                if "decrypt" in name:
                    check(decrypt_output(argv), plain)
        # Each tool reads the other's messages.
        for suite in ("0x0478", "0x0578"):
            for argv in (
                ours_dec(out(f"esdk-{suite}.bin"), out("cross.out")),
                esdk_dec(out(f"ours-{suite}.bin"), out("cross.out")),
            ):
                run(argv)
                check(decrypt_output(argv), plain)
        print(f"{size_mb} MiB file, {runs} runs, medians; wall time, throughput and peak RSS of the process")
        print()
        print("| command | wall | MB/s | peak RSS |")
        print("|---|---:|---:|---:|")
        for name, _ in workloads:
            wall = statistics.median(t for t, _ in times[name])
            rss = statistics.median(r for _, r in times[name])
            print(f"| {name} | {wall:.2f} s | {size_mb * 1.048576 / wall:,.0f} | {rss:,.0f} MiB |")
    finally:
        shutil.rmtree(work, ignore_errors=True)


def decrypt_output(argv):
    """The output file a decrypt command line names (`-o` or `--output`)."""
    flag = "-o" if "-o" in argv else "--output"
    return argv[argv.index(flag) + 1]


def check(path, plain):
    """Fails unless the file `path` holds the bytes of `plain`; removes it."""
    try:
        with open(path, "rb") as fa, open(plain, "rb") as fb:
            while True:
                x, y = fa.read(1 << 20), fb.read(1 << 20)
                if x != y:
                    raise SystemExit(f"{path} differs from the plaintext")
                if not x:
                    return
    finally:
        os.remove(path)


if __name__ == "__main__":
    main()

"""Every escape the security review tried from the example sandbox, against the jail, in
Python (card examples) and in Node.js (monitor programs): each must fail, and the host
must be unchanged and healthy afterwards."""

from __future__ import annotations

import hashlib
import json
import os
import socket
import sqlite3
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from registry.sandbox import Jail
from tests.jail_support import LANGS, NODE, PYTHON, Lang, host_pids_with, jail_lock, jail_or_skip


@pytest.fixture(autouse=True)
def _host_share(request: pytest.FixtureRequest) -> Iterator[None]:
    callspec = getattr(request.node, "callspec", None)
    without_cgroup = callspec is not None and callspec.params.get("cgroups") is False
    with jail_lock(exclusive=without_cgroup):
        yield


@pytest.fixture(scope="module")
def jail() -> Jail:
    return jail_or_skip()


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A registry's DATA_DIR as the server keeps it: a SQLite database, a blob, a secret."""
    data = tmp_path / "data"
    blob = b"weights of a stored model\n"
    digest = hashlib.sha256(blob).hexdigest()
    (data / "blobs" / digest[:2] / digest[2:4]).mkdir(parents=True)
    (data / "blobs" / digest[:2] / digest[2:4] / digest).write_bytes(blob)
    (data / "secret.key").write_text("jwt-signing-secret-of-the-registry\n")
    with sqlite3.connect(data / "registry.db") as db:
        db.execute("CREATE TABLE users (name TEXT, is_admin INTEGER)")
        db.execute("INSERT INTO users VALUES ('ece30861defaultadminuser', 1)")
    return data


def _files(data: Path) -> dict[Path, str]:
    return {
        p: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(data.rglob("*"))
        if p.is_file()
    }


def _json(output: str) -> dict[str, str]:
    result = json.loads(output.strip().splitlines()[-1])
    assert isinstance(result, dict)
    return result


READ = {
    "python": """
import json, sys
out = {}
for p in sys.argv[1:]:
    try:
        with open(p, "rb") as f:
            out[p] = "READ " + f.read(64).hex()
    except OSError as e:
        out[p] = f"{type(e).__name__} {e.errno}"
print(json.dumps(out))
""",
    "node": """
const fs = require("fs"); const out = {};
for (const p of process.argv.slice(2)) {
  try { out[p] = "READ " + fs.readFileSync(p).subarray(0, 64).toString("hex"); }
  catch (e) { out[p] = e.code; }
}
console.log(JSON.stringify(out));
""",
}


@pytest.mark.parametrize("lang", LANGS)
def test_host_files_are_not_there(jail: Jail, lang: Lang, data_dir: Path) -> None:
    blob = next((data_dir / "blobs").rglob("*[0-9a-f]" * 64))
    targets = [
        "/etc/shadow",
        "/etc/passwd",
        "/root/.bashrc",
        str(data_dir / "registry.db"),
        str(data_dir / "secret.key"),
        str(blob),
        str(Path(__file__).resolve()),  # the repository
        f"/proc/{os.getpid()}/environ",  # the registry's own process
        "/var/run/postgresql/.s.PGSQL.5432",
    ]
    assert Path(targets[3]).exists()  # the host has them
    seen = _json(lang.run(jail, READ[lang.name], *targets).output)
    missing = "FileNotFoundError 2" if lang is PYTHON else "ENOENT"
    assert seen == dict.fromkeys(targets, missing)


WRITE = {
    "python": """
import json, os, sys
out = {}
for p in sys.argv[1:]:
    try:
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "ab") as f:
            f.write(b"INSERT INTO users VALUES ('mallory', 1);")
        out[p] = "written"
    except OSError as e:
        out[p] = f"{type(e).__name__} {e.errno}"
print(json.dumps(out))
""",
    "node": """
const fs = require("fs"); const path = require("path"); const out = {};
for (const p of process.argv.slice(2)) {
  try {
    fs.mkdirSync(path.dirname(p), {recursive: true});
    fs.appendFileSync(p, "INSERT INTO users VALUES ('mallory', 1);");
    out[p] = "written";
  } catch (e) { out[p] = e.code; }
}
console.log(JSON.stringify(out));
""",
}


@pytest.mark.parametrize("lang", LANGS)
def test_the_database_and_blobs_cannot_be_written(jail: Jail, lang: Lang, data_dir: Path) -> None:
    before = _files(data_dir)
    targets = [*map(str, before), str(data_dir / "new-admin.sql"), "/usr/x", "/jail/x", "/x"]
    seen = _json(lang.run(jail, WRITE[lang.name], *targets).output)
    # Whatever the program believes it wrote went to its private /tmp, or was refused
    # outright where the jail is read-only; the host's files are byte for byte the same.
    assert all(seen[t] != "written" for t in ["/usr/x", "/jail/x", "/x"])
    assert _files(data_dir) == before
    assert not (data_dir / "new-admin.sql").exists()
    with sqlite3.connect(data_dir / "registry.db") as db:
        assert db.execute("SELECT name FROM users").fetchall() == [("ece30861defaultadminuser",)]


@pytest.fixture
def listeners() -> Iterator[tuple[socket.socket, socket.socket]]:
    """A TCP and a UDP socket on the host's loopback that the jail must not reach."""
    tcp = socket.create_server(("127.0.0.1", 0))
    tcp.settimeout(0)
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind(("127.0.0.1", 0))
    udp.settimeout(0)
    yield tcp, udp
    tcp.close()
    udp.close()


NETWORK = {
    "python": """
import json, socket, sys
tcp_port, udp_port, unix_path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
out = {"interfaces": [name for _, name in socket.if_nameindex()]}
for name, port in (("postgres", 5432), ("registry", tcp_port)):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=5).close()
        out[name] = "connected"
    except OSError as e:
        out[name] = f"{type(e).__name__} {e.errno}"
try:
    socket.getaddrinfo("huggingface.co", 443)
    out["dns"] = "resolved"
except OSError as e:
    out["dns"] = type(e).__name__
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.sendto(b"exfiltrated", ("127.0.0.1", udp_port))
for name, path in (("pg_unix", "/var/run/postgresql/.s.PGSQL.5432"), ("unix", unix_path)):
    s = socket.socket(socket.AF_UNIX)
    try:
        s.connect(path)
        out[name] = "connected"
    except OSError as e:
        out[name] = f"{type(e).__name__} {e.errno}"
print(json.dumps(out))
""",
    "node": """
const net = require("net"), dgram = require("dgram"), dns = require("dns"), os = require("os");
const [tcpPort, udpPort, unixPath] = process.argv.slice(2);
const out = {interfaces: Object.keys(os.networkInterfaces())};
const attempt = (name, opts) => new Promise((done) => {
  const s = net.connect(opts);
  s.on("connect", () => { out[name] = "connected"; s.destroy(); done(); });
  s.on("error", (e) => { out[name] = e.code; done(); });
});
(async () => {
  await attempt("postgres", {host: "127.0.0.1", port: 5432});
  await attempt("registry", {host: "127.0.0.1", port: Number(tcpPort)});
  await attempt("pg_unix", {path: "/var/run/postgresql/.s.PGSQL.5432"});
  await attempt("unix", {path: unixPath});
  await new Promise((done) => dns.lookup("huggingface.co", (e) => {
    out.dns = e ? "lookup failed" : "resolved"; done(); }));
  const u = dgram.createSocket("udp4");
  await new Promise((done) => u.send("exfiltrated", Number(udpPort), "127.0.0.1", () => done()));
  u.close();
  console.log(JSON.stringify(out));
})();
""",
}


@pytest.mark.parametrize("lang", LANGS)
def test_no_network_and_no_database_socket(
    jail: Jail, lang: Lang, listeners: tuple[socket.socket, socket.socket], tmp_path: Path
) -> None:
    tcp, udp = listeners
    unix_path = tmp_path / "registry.sock"
    unix = socket.socket(socket.AF_UNIX)
    unix.bind(str(unix_path))
    unix.listen()
    unix.settimeout(0)
    try:
        args = (str(tcp.getsockname()[1]), str(udp.getsockname()[1]), str(unix_path))
        seen = _json(lang.run(jail, NETWORK[lang.name], *args).output)
        for sock in (tcp, unix):
            with pytest.raises(BlockingIOError):
                sock.accept()  # nobody came
        with pytest.raises(BlockingIOError):
            udp.recvfrom(100)
    finally:
        unix.close()
    refused = "ConnectionRefusedError 111" if lang is PYTHON else "ECONNREFUSED"
    absent = "FileNotFoundError 2" if lang is PYTHON else "ENOENT"
    assert seen["interfaces"] == ["lo"]  # its own loopback, nothing else
    assert seen["postgres"] == refused and seen["registry"] == refused
    assert seen["pg_unix"] == absent and seen["unix"] == absent
    assert seen["dns"] in {"gaierror", "lookup failed"}


FORK_BOMB = {
    "python": """
import json, os, time
n = 0
try:
    while n < 10000:
        if os.fork() == 0:
            time.sleep(60)
            os._exit(0)
        n += 1
except OSError as e:
    print(json.dumps({"forks": n, "error": e.errno}))
""",
    "node": """
const {spawn} = require("child_process");
let started = 0, failed = 0, code = null;
for (let i = 0; i < 200; i++) {
  try {
    const c = spawn("/usr/bin/sleep", ["60"], {stdio: "ignore"});
    c.on("spawn", () => started++);
    c.on("error", (e) => { failed++; code = e.code; });
  } catch (e) { failed++; code = e.code; }
}
setTimeout(() => {
  console.log(JSON.stringify({forks: started, error: code}));
  process.exit(0);
}, 1500);
""",
}


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("cgroups", [True, False], ids=["cgroup", "rlimits-only"])
def test_a_fork_bomb_is_bounded(lang: Lang, cgroups: bool) -> None:
    jail = jail_or_skip(use_cgroups=cgroups)
    if cgroups and jail.cgroups is None:
        pytest.skip("this host gives the registry no writable cgroup")
    if not cgroups and not jail.drop_root:
        pytest.skip("RLIMIT_NPROC counts all of this user's processes: the cgroup is the bound")
    result = lang.run(jail, FORK_BOMB[lang.name])
    seen = _json(result.output)
    assert seen["forks"] < 32  # the jail's process limit
    assert seen["error"] in (11, "EAGAIN")  # fork refused, not the machine exhausted
    if cgroups:
        assert "processes" in result.limits_hit
    assert subprocess.run(["true"], check=False).returncode == 0  # the host still forks


def test_allocation_without_bound_in_one_process(jail: Jail) -> None:
    result = PYTHON.run(jail, "b = []\nwhile True: b.append(bytearray(8 << 20))")
    assert result.exit_code == 1 and "MemoryError" in result.output  # RLIMIT_AS


MANY_ALLOCATORS = {
    # Each process stays under the per-process address space; only their sum is too much.
    "python": """
import os, time
kids = []
for i in range(6):
    pid = os.fork()
    if pid == 0:
        block = b"x" * (60 << 20)
        time.sleep(1)
        os._exit(0)
    kids.append(pid)
print([os.waitpid(k, 0)[1] for k in kids])
""",
    "node": """
const blocks = [];
for (;;) blocks.push(Buffer.alloc(16 << 20, 1));
""",
}


@pytest.mark.parametrize("lang", LANGS)
def test_allocation_without_bound_is_killed_by_the_memory_limit(jail: Jail, lang: Lang) -> None:
    if jail.cgroups is None:
        pytest.skip("this host gives the registry no writable cgroup")
    result = lang.run(jail, MANY_ALLOCATORS[lang.name], timeout=60)
    assert "memory" in result.limits_hit
    assert "time" not in result.limits_hit  # stopped by the limit, not by the deadline


OUTLIVE = {
    # Ignores SIGTERM, and leaves a detached grandchild (token in its command line).
    "python": """
import os, signal, subprocess, sys, time
signal.signal(signal.SIGTERM, signal.SIG_IGN)
if os.fork() == 0:
    os.setsid()
    subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)", sys.argv[1]],
                     start_new_session=True)
    os._exit(0)
while True:
    time.sleep(1)
""",
    "node": """
const {spawn} = require("child_process");
process.on("SIGTERM", () => {});
const keep = 'process.on("SIGTERM", () => {}); setInterval(() => {}, 1000);';
const c = spawn(process.execPath, ["-e",
  `require("child_process").spawn(process.execPath, ["-e", ${JSON.stringify(keep)},` +
  ` ${JSON.stringify(process.argv[2])}], {detached: true, stdio: "ignore"}).unref();`],
  {detached: true, stdio: "ignore"});
c.unref();
setInterval(() => {}, 1000);
""",
}


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("cgroups", [True, False], ids=["cgroup", "namespace-only"])
def test_nothing_outlives_the_deadline(lang: Lang, cgroups: bool) -> None:
    jail = jail_or_skip(use_cgroups=cgroups)
    token = f"outlive-{uuid.uuid4().hex}"
    result = lang.run(jail, OUTLIVE[lang.name], token, timeout=3)
    assert result.exit_code is None and "time" in result.limits_hit
    assert result.seconds < 3 + 10  # the deadline held (generous: a loaded machine)
    # Gone by the time the call returns: the cgroup is empty, or (without one) the pid
    # namespace's init, which outlives every other process of the namespace, is gone.
    assert host_pids_with(token) == []


HUGE_FILE = {
    "python": """
import json, os
out = {}
for name, size in (("one", 1 << 30), ("many", 3 << 20)):
    try:
        for i in range(1000):
            with open(f"/tmp/{name}-{i}", "wb") as f:
                for _ in range(size >> 20):
                    f.write(b"x" * (1 << 20))
        out[name] = "wrote"
    except OSError as e:
        out[name] = e.errno
print(json.dumps(out))
""",
    "node": """
const fs = require("fs"); const out = {}; const mb = Buffer.alloc(1 << 20, 120);
for (const [name, size] of [["many", 3], ["one", 1024]]) {
  try {
    for (let i = 0; i < 1000; i++) {
      const fd = fs.openSync(`/tmp/${name}-${i}`, "w");
      for (let j = 0; j < size; j++) fs.writeSync(fd, mb);
      fs.closeSync(fd);
    }
    out[name] = "wrote";
  } catch (e) {
    out[name] = e.code;
    for (const f of fs.readdirSync("/tmp")) fs.unlinkSync(`/tmp/${f}`);
  }
}
console.log(JSON.stringify(out));
""",
}


@pytest.mark.parametrize("lang", LANGS)
def test_a_huge_file_is_stopped(jail: Jail, lang: Lang) -> None:
    result = lang.run(jail, HUGE_FILE[lang.name])
    if lang is NODE and result.exit_code == 128 + 25:
        return  # Node.js does not ignore SIGXFSZ: RLIMIT_FSIZE killed it
    seen = _json(result.output)
    # One file stops at the file size limit (EFBIG), many small ones at the /tmp size (ENOSPC).
    assert seen["one"] in (27, "EFBIG") and seen["many"] in (28, "ENOSPC")


ENVIRON = {
    "python": "import json, os\nprint(json.dumps(dict(os.environ)))",
    "node": "console.log(JSON.stringify(process.env))",
}
SECRETS = {
    "DATABASE_URL": "postgresql://postgres:hunter2@127.0.0.1:5432/registry",
    "AWS_SECRET_ACCESS_KEY": "aws-secret-for-the-jail-test",
    "JWT_SECRET": "jwt-secret-for-the-jail-test",
    "GITHUB_TOKEN": "ghp_jailtesttoken",
    "HF_TOKEN": "hf_jailtesttoken",
}


@pytest.mark.parametrize("lang", LANGS)
def test_the_environment_holds_no_secrets(
    jail: Jail, lang: Lang, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key, value in SECRETS.items():
        monkeypatch.setenv(key, value)
    result = lang.run(jail, ENVIRON[lang.name])
    env = _json(result.output)
    assert set(env) <= {"PATH", "HOME", "TMPDIR", "LANG", "PWD", "LC_CTYPE"}
    assert not any(value in result.output for value in SECRETS.values())


IDENTITY = """
import ctypes, json, os, sys
status = dict(line.split(":\\t", 1) for line in open("/proc/self/status").read().splitlines())
unshare = ctypes.CDLL(None, use_errno=True).unshare(0x10000000)  # CLONE_NEWUSER
print(json.dumps({"uid": os.getuid(), "gid": os.getgid(), "groups": os.getgroups(),
                  "caps": status["CapEff"].strip(), "new_userns": unshare,
                  "pid": os.getpid(), "host": os.uname().nodename}), flush=True)
import time; time.sleep(float(sys.argv[2]))
"""


def test_the_jail_runs_unprivileged_inside_and_on_the_host(jail: Jail) -> None:
    token = f"identity-{uuid.uuid4().hex}"
    results = []
    thread = threading.Thread(
        target=lambda: results.append(PYTHON.run(jail, IDENTITY, token, "3", timeout=20))
    )
    thread.start()
    try:
        end = time.monotonic() + 15
        host_uids = set()
        while not host_uids and time.monotonic() < end:
            for pid in host_pids_with(token):
                status = Path(f"/proc/{pid}/status").read_text()
                uid_line = next(line for line in status.splitlines() if line.startswith("Uid:"))
                host_uids.update(int(u) for u in uid_line.split()[1:])
            time.sleep(0.05)
    finally:
        thread.join(timeout=30)
    seen = _json(results[0].output)
    assert (seen["uid"], seen["gid"], seen["groups"]) == (65534, 65534, [])
    assert seen["caps"] == "0000000000000000" and seen["new_userns"] == -1
    assert seen["pid"] < 10 and seen["host"] == "jail"  # its own pid and UTS namespaces
    # On the host every process of the run belongs to nobody (or to the registry's own
    # non-root user): never to root.
    assert host_uids == ({65534} if jail.drop_root else {os.getuid()})

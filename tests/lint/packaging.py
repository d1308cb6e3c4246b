#!/usr/bin/env python3
"""packaging.py - the container image and the systemd unit can run the nara just built.

Usage: packaging.py NARA_BINARY SOURCE_DIR
Docker is not on every machine, so this checks what can be checked without it:
- .dockerignore keeps build directories, state and node_modules out of the
  context (a stale CMakeCache.txt breaks the image build);
- the Dockerfile's build stage installs tools/packages-run.txt (through
  tools/install-deps run) and its runtime stage exactly
  tools/packages-runtime.txt; it runs as a non-root user with a HEALTHCHECK;
- every library the binary links directly (ELF NEEDED) comes from a package
  named in packages-runtime.txt, and every library it loads at all from one
  of those packages' dependencies (or an essential package of the base
  image), read from dpkg's own database;
- packaging/nara.service is hardened (no privileges, strict file system,
  its own state directory, a stop timeout longer than the drain) and, where
  systemd-analyze exists, verifies cleanly with an exposure of at most 2.0.
- docker/compose.yaml starts with open rooms off and waits for the drain.
Prints each check; exits 1 if any fails.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

binary, src = sys.argv[1], sys.argv[2]
failures = []


def check(ok, what):
    print(("ok - " if ok else "not ok - ") + what)
    if not ok:
        failures.append(what)


def read(path):
    with open(os.path.join(src, path)) as f:
        return f.read()


def package_list(path):
    return {line.split()[0] for line in read(path).splitlines()
            if line.strip() and not line.lstrip().startswith("#")}


def dpkg_owner(path):
    real = os.path.realpath(path)
    for candidate in (real, real.removeprefix("/usr"), "/usr" + real, path):
        r = subprocess.run(["dpkg-query", "-S", candidate], capture_output=True, text=True)
        if r.returncode == 0:
            return r.stdout.split(":")[0].strip()
    return None


def depends(package):
    r = subprocess.run(["dpkg-query", "-W", "-f=${Depends}, ${Pre-Depends}", package],
                       capture_output=True, text=True)
    names = set()
    for alternative in r.stdout.split(","):
        for name in alternative.split("|"):
            name = re.sub(r"\(.*?\)", "", name).strip().split(":")[0]
            if name:
                names.add(name)
    return names


def closure(packages):
    seen, todo = set(), list(packages)
    while todo:
        p = todo.pop()
        if p not in seen:
            seen.add(p)
            todo.extend(depends(p) - seen)
    return seen


_base = None


def base(package):
    """In every Debian image: an essential package or what they depend on."""
    global _base
    if _base is None:
        r = subprocess.run(["dpkg-query", "-W", "-f=${Package} ${Essential}\n"],
                           capture_output=True, text=True)
        _base = closure(line.split()[0] for line in r.stdout.splitlines()
                        if line.endswith(" yes"))
    return package in _base


# .dockerignore
ignore = read(".dockerignore") if os.path.exists(os.path.join(src, ".dockerignore")) else ""
for pattern in ("build*/", "node_modules", ".git", "state/"):
    check(pattern in ignore, f".dockerignore excludes {pattern}")

# Dockerfile
docker = read("docker/Dockerfile")
check("tools/install-deps run" in docker, "Dockerfile builds with tools/install-deps run "
      "(tools/packages-run.txt)")
check("tools/packages-runtime.txt" in docker, "Dockerfile installs tools/packages-runtime.txt")
check(re.search(r"^USER\s+(?!root\b)\S+", docker, re.M) is not None, "Dockerfile runs as non-root")
check("HEALTHCHECK" in docker, "Dockerfile has a HEALTHCHECK")
check(not re.search(r"apt-get install[^\n]*\blib", docker),
      "Dockerfile names no package outside the lists")

# Libraries
runtime = package_list("tools/packages-runtime.txt")
needed = re.findall(r"\(NEEDED\)\s+Shared library: \[(.+?)\]",
                    subprocess.run(["readelf", "-d", binary], capture_output=True,
                                   text=True).stdout)
ldd = dict(re.findall(r"^\s*(\S+) => (/\S+)", subprocess.run(
    ["ldd", binary], capture_output=True, text=True).stdout, re.M))
provided = closure(runtime)
for lib in needed:
    owner = dpkg_owner(ldd.get(lib, lib))
    ok = owner is not None and (owner in runtime or base(owner))
    check(ok, f"{lib} (directly linked) comes from a listed package ({owner})")
for lib, path in sorted(ldd.items()):
    owner = dpkg_owner(path)
    ok = owner is not None and (owner in provided or base(owner))
    check(ok, f"{lib} comes with the listed packages ({owner})")
check("libwebsockets-evlib-glib" in runtime, "the GLib event-loop plugin of libwebsockets is listed")

# systemd unit
unit = read("packaging/nara.service")
for line in ("NoNewPrivileges=yes", "ProtectSystem=strict", "StateDirectory=nara",
             "CapabilityBoundingSet=\n", "PrivateTmp=yes", "ProtectHome=yes"):
    check(line in unit, f"nara.service has {line.strip()}")
stop = re.search(r"^TimeoutStopSec=(\d+)", unit, re.M)
drain = re.search(r'"server\.drain_secs", NARA_CONFIG_UINT, "(\d+)"', read("server/config.c"))
check(bool(stop and drain and int(stop.group(1)) > int(drain.group(1))),
      "nara.service waits longer than the default drain before it kills")
if shutil.which("systemd-analyze"):
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "nara.service")
        with open(path, "w") as f:
            f.write(unit.replace("/usr/local/bin/nara ", os.path.abspath(binary) + " "))
        r = subprocess.run(["systemd-analyze", "verify", path], capture_output=True, text=True,
                           timeout=60)
        check(r.returncode == 0 and not r.stderr.strip(),
              f"systemd-analyze verify nara.service {r.stderr.strip()}")
        r = subprocess.run(["systemd-analyze", "security", "--offline=yes", path],
                           capture_output=True, text=True, timeout=60)
        level = re.search(r"exposure level for \S+: ([\d.]+)", r.stdout)
        print(f"# systemd-analyze security: {level.group(1) if level else r.stdout[-200:]}")
        check(bool(level and float(level.group(1)) <= 2.0), "nara.service exposure at most 2.0")
else:
    print("# systemd-analyze not installed: unit not verified")

# compose
compose = read("docker/compose.yaml")
check('NARA_ROOMS_OPEN: "false"' in compose, "compose starts with open rooms off")
check("stop_grace_period" in compose, "compose waits for the drain")

print(f"{len(failures)} failed")
sys.exit(1 if failures else 0)

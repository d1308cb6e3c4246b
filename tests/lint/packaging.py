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


def installed_packages():
    """{package: (dependencies, essential)} from dpkg's status file, read once."""
    packages, fields = {}, {}
    with open("/var/lib/dpkg/status") as f:
        for line in f.read().split("\n") + [""]:
            if not line:
                if fields.get("Package") and "installed" in fields.get("Status", ""):
                    deps = set()
                    for key in ("Depends", "Pre-Depends"):
                        for alternative in fields.get(key, "").split(","):
                            for name in alternative.split("|"):
                                name = re.sub(r"\(.*?\)", "", name).strip().split(":")[0]
                                if name:
                                    deps.add(name)
                    packages[fields["Package"].split(":")[0]] = (
                        deps, fields.get("Essential") == "yes")
                fields, key = {}, None
            elif line[0] not in " \t" and ":" in line:
                key, value = line.split(":", 1)
                fields[key] = value.strip()
            elif key:
                fields[key] += " " + line.strip()
    return packages


PACKAGES = installed_packages()


def closure(names):
    seen, todo = set(), list(names)
    while todo:
        p = todo.pop()
        if p not in seen:
            seen.add(p)
            todo.extend(PACKAGES.get(p, (set(), False))[0] - seen)
    return seen


BASE = closure(p for p, (_, essential) in PACKAGES.items() if essential)


def owners(paths):
    """{path: package} in one dpkg-query call (each path tried with and
    without /usr, for merged-/usr systems)."""
    tries = {}
    for path in paths:
        real = os.path.realpath(path)
        for candidate in (real, real.removeprefix("/usr"), "/usr" + real):
            tries.setdefault(candidate, path)
    r = subprocess.run(["dpkg-query", "-S"] + list(tries), capture_output=True, text=True)
    found = {}
    for line in r.stdout.splitlines():
        package, _, file = line.partition(": ")
        if file in tries:
            found.setdefault(tries[file], package.split(",")[0].split(":")[0].strip())
    return found


def base(package):
    """In every Debian image: an essential package or what they depend on."""
    return package in BASE


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
owner_of = owners(list(ldd.values()))
for lib in needed:
    owner = owner_of.get(ldd.get(lib, lib))
    ok = owner is not None and (owner in runtime or base(owner))
    check(ok, f"{lib} (directly linked) comes from a listed package ({owner})")
for lib, path in sorted(ldd.items()):
    owner = owner_of.get(path)
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

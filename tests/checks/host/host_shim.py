"""The commands of a test host: logs every invocation, fakes `docker`, runs the rest for real.

Installed as `docker`, `git`, `ss`, `df` and `cat` (tiny sh wrappers calling
`python host_shim.py <command> ARGS...`) in a bin directory first on PATH,
both for the sshd sessions and for local://. The test host is the directory
named by DRIFTGATE_TEST_HOST: each invocation is appended to its
`commands.log` (one JSON argv a line) before anything else happens, and
`docker` answers from its `docker-state.json` ({"containers": [docker inspect
objects], "images": [docker image inspect objects]}) in docker's real formats.
No container engine runs here.
"""

import json
import os
import shutil
import sys

REAL_PATH = "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin"


def main(command, args):
    test_host = os.environ.get("DRIFTGATE_TEST_HOST")
    if not test_host or not os.path.isdir(test_host):
        print(f"{command}: DRIFTGATE_TEST_HOST is not a test host directory", file=sys.stderr)
        return 127
    with open(os.path.join(test_host, "commands.log"), "a", encoding="utf-8") as log:
        log.write(json.dumps([command, *args]) + "\n")
    if command == "docker":
        return docker(test_host, args)
    real = shutil.which(command, path=REAL_PATH)
    os.execv(real, [command, *args])


def docker(test_host, args):
    with open(os.path.join(test_host, "docker-state.json"), encoding="utf-8") as state_file:
        state = json.load(state_file)
    if args[:1] == ["inspect"]:
        kind, names = _split(args[1:])
        if kind not in (None, "container"):
            return _fail(f"fake docker: --type {kind} is not emulated", 125)
        return _inspect(state["containers"], names, "container" if kind else "object", _by_name)
    if args[:2] == ["image", "inspect"]:
        _, names = _split(args[2:])
        return _inspect(state["images"], names, "image", _by_image)
    if args[:1] == ["ps"]:
        return _ps(state["containers"], args[1:])
    return _fail(f"fake docker: {' '.join(args[:2])!r} is not emulated", 125)


def _split(args):
    """(--type value, names) from inspect arguments."""
    kind, names, rest = None, [], list(args)
    while rest:
        arg = rest.pop(0)
        if arg == "--type":
            kind = rest.pop(0)
        elif arg == "--":
            names.extend(rest)
            break
        elif arg.startswith("-"):
            raise SystemExit(_fail(f"unknown flag: {arg}", 125))
        else:
            names.append(arg)
    return kind, names


def _by_name(item, name):
    return item["Name"].lstrip("/") == name or item["Id"].startswith(name)


def _by_image(item, name):
    return (
        item["Id"] == name
        or item["Id"].removeprefix("sha256:").startswith(name)
        or (name in item.get("RepoTags", []))
    )


def _inspect(items, names, kind, matches):
    """docker prints the found objects as one indented array, then an error per missing name."""
    if not names:
        return _fail('"docker inspect" requires at least 1 argument.', 1)
    found, missing = [], []
    for name in names:
        hits = [item for item in items if matches(item, name)]
        (found.extend(hits[:1]) if hits else missing.append(name))
    print(json.dumps(found, indent=4))
    for name in missing:
        print(f"Error: No such {kind}: {name}", file=sys.stderr)
    return 1 if missing else 0


_STATUS = {
    "running": "Up 2 hours",
    "restarting": "Restarting (1) 4 seconds ago",
    "exited": "Exited (1) 3 minutes ago",
    "created": "Created",
}


def _ps(containers, args):
    if "--format" not in args or args[args.index("--format") + 1] != "{{json .}}":
        return _fail("fake docker: only docker ps --format '{{json .}}' is emulated", 125)
    show_all = "--all" in args or "-a" in args
    full = "--no-trunc" in args
    for item in containers:
        state = item["State"]["Status"]
        if state not in ("running", "restarting") and not show_all:
            continue
        ports = ", ".join(
            f"{b['HostIp']}:{b['HostPort']}->{port}"
            for port, bindings in (item["NetworkSettings"].get("Ports") or {}).items()
            for b in bindings or ()
        )
        labels = item["Config"].get("Labels") or {}
        command = " ".join([item["Path"], *item["Args"]])
        line = {
            "Command": json.dumps(command if full else command[:19] + "…"),
            "CreatedAt": "2026-11-28 09:58:41 +0000 UTC",
            "ID": item["Id"] if full else item["Id"][:12],
            "Image": item["Config"]["Image"],
            "Labels": ",".join(f"{k}={v}" for k, v in sorted(labels.items())),
            "LocalVolumes": "0",
            "Mounts": ",".join(m["Source"] for m in item.get("Mounts", [])),
            "Names": item["Name"].lstrip("/"),
            "Networks": ",".join(item["NetworkSettings"].get("Networks", {})),
            "Ports": ports,
            "RunningFor": "2 hours ago",
            "Size": "0B",
            "State": state,
            "Status": _STATUS.get(state, state),
        }
        print(json.dumps(line, ensure_ascii=False, separators=(",", ":")))
    return 0


def _fail(message, code):
    print(message, file=sys.stderr)
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2:]))

"""What can be wrong on a VM after a deploy, as changes to a test host's docker state.

Each change edits the real-format `docker inspect` objects the fake docker
serves (see host_shim.py), the way the real fault would show in them.
"""

OLD_TAG = "sha-1a2b3c4"  # what the previous deploy ran


def container(state, name):
    """The docker inspect object of a container."""
    return next(c for c in state["containers"] if c["Name"] == f"/{name}")


def image_of(state, name):
    """The docker image inspect object of a container's image."""
    image_id = container(state, name)["Image"]
    return next(i for i in state["images"] if i["Id"] == image_id)


def restarting(state):
    """The dashboard crash-loops: docker is between two restarts."""
    dashboard = container(state, "catscan-dashboard")
    dashboard["State"].update(Status="restarting", Running=True, Restarting=True, Pid=0, ExitCode=1)
    dashboard["RestartCount"] = 4


def wrong_tag(state):
    """The API still runs the previous deploy's image."""
    api, image = container(state, "catscan-api"), image_of(state, "catscan-api")
    repository = api["Config"]["Image"].rsplit(":", 1)[0]
    api["Config"]["Image"] = f"{repository}:{OLD_TAG}"
    image["RepoTags"] = [f"{repository}:{OLD_TAG}"]


def built_locally(state):
    """`docker compose build` on the VM: tagged like the registry image, but never pulled."""
    image_of(state, "catscan-api")["RepoDigests"] = []
    image_of(state, "catscan-api")["Comment"] = ""


def git_sha_mismatch(state):
    """GIT_SHA set from another tag than the image's."""
    env = container(state, "catscan-api")["Config"]["Env"]
    env[:] = [f"GIT_SHA={OLD_TAG}" if e.startswith("GIT_SHA=") else e for e in env]


def everything_wrong(state):
    for change in (restarting, wrong_tag, built_locally, git_sha_mismatch):
        change(state)

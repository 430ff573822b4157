"""The app containers publish their ports on 127.0.0.1 only.

Rationale:
    nginx and the OAuth2 proxy run on the host in front of the API; a port
    published on every interface lets anyone reach the API and dashboard
    around the authentication.

Remediation:
    Publish as `"127.0.0.1:8000:8000"` (or long syntax with `host_ip: 127.0.0.1`).

Accepts / rejects:
    The app containers: services whose image's last path part is one of the
    pack's image names, or whose `container_name` is one of the pack's host
    containers. Other services (the Cloud SQL proxy) are not judged.
    - Accepted: short syntax on a loopback address (127.0.0.0/8 or ::1):
      `"127.0.0.1:8000:8000"`, `"[::1]:8000:8000"`; long syntax with
      `host_ip: 127.0.0.1`; `expose:` (not publishing).
    - Rejected, at the `ports:` entry: no host IP (`"8000:8000"`, `"8000"`,
      `8000`, long syntax without host_ip), `0.0.0.0`, `::`, any other address,
      a variable as the address.
    - Rejected, at the value: `network_mode: host` (everything the app listens
      on is published).

Bad:
    ```yaml
    services:
      api:
        image: europe-west1-docker.pkg.dev/catscan/catscan/catscan-api:${IMAGE_TAG:?set IMAGE_TAG}
        ports: ["8000:8000"]
    ```

Good:
    ```yaml
    services:
      api:
        image: europe-west1-docker.pkg.dev/catscan/catscan/catscan-api:${IMAGE_TAG:?set IMAGE_TAG}
        ports: ["127.0.0.1:8000:8000"]
    ```
"""

from ..compose import app_services, is_loopback, published_ip
from ..lint.violation import flag_value

ID = "DG402"
NAME = "loopback-ports"
SUMMARY = "The app containers publish their ports on 127.0.0.1 only."
SEVERITY = "error"
APPLIES_TO = "compose"
OPTIONS = {}
REMEDIATION = 'Publish ports as "127.0.0.1:<host>:<container>".'


def check_compose(document, context):
    services = document.get("services")
    if not isinstance(services, dict):
        return
    pack = context.pack
    for name, service in app_services(services, pack.images.names, pack.host.containers):
        key_path = f"services.{name}"
        if str(service.get("network_mode", "")) == "host":
            message = f"service {name} uses the host network: every port it listens on is public"
            yield flag_value(service, "network_mode", f"{key_path}.network_mode", message)
        ports = service.get("ports")
        for index, port in enumerate(ports if isinstance(ports, list) else ()):
            ip = published_ip(port)
            if ip is None or not is_loopback(ip):
                where = f"on {ip}" if ip else "on every interface"
                message = f"service {name} publishes a port {where}; bind it to 127.0.0.1"
                yield flag_value(ports, index, f"{key_path}.ports[{index}]", message)

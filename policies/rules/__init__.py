"""The rule registry: one module per rule, listed explicitly (no import-time discovery).

Rules engineers: add your module by inserting its import and its tuple entry
(keep id order); never rewrite this file.
"""

from . import (  # R2: deploy steps and compose
    contract_gate,
    deploy_concurrency,
    fixed_sleep,
    force_recreate,
    health_gate,
    image_tag_required,
    loopback_ports,
    prebuilt_images,
    staging_first,
)

REGISTRY = {
    module.ID: module
    for module in (
        prebuilt_images,
        force_recreate,
        health_gate,
        contract_gate,
        deploy_concurrency,
        staging_first,
        fixed_sleep,
        image_tag_required,
        loopback_ports,
    )
}

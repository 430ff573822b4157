"""The rule registry: one module per rule, listed explicitly (no import-time discovery).

Rules engineers: add your module by inserting its import and its tuple entry
(keep id order); never rewrite this file.
"""

from . import (
    all_images,
    build_trigger,
    confirm_guard,
    contract_gate,
    deploy_concurrency,
    fixed_sleep,
    force_recreate,
    health_gate,
    image_tag_required,
    input_injection,
    loopback_ports,
    manual_only,
    prebuilt_images,
    reason_input,
    rollback_on_failure,
    sha_image_tag,
    sha_tags,
    staging_first,
    target_input,
    tests_before_push,
)

REGISTRY = {
    module.ID: module
    for module in (
        manual_only,
        target_input,
        confirm_guard,
        reason_input,
        input_injection,
        sha_image_tag,
        prebuilt_images,
        force_recreate,
        health_gate,
        contract_gate,
        deploy_concurrency,
        staging_first,
        fixed_sleep,
        rollback_on_failure,
        build_trigger,
        tests_before_push,
        sha_tags,
        all_images,
        image_tag_required,
        loopback_ports,
    )
}

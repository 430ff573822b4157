"""What a rule's hooks get besides the workflow."""

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class RuleContext:
    """The pack, the file and the rule's options a rule is checked with."""

    pack: object  # the policy pack (policies/pack.py)
    path: str  # the file, as shown
    options: dict = field(default_factory=dict)  # the rule's options, config over defaults

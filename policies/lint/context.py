from dataclasses import dataclass, field


@dataclass(frozen=True)
class RuleContext:
    pack: object
    path: str
    options: dict = field(default_factory=dict)

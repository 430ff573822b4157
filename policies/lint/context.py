from collections import namedtuple

# What a rule's hooks get besides the workflow: the pack, the file, the rule's options.
RuleContext = namedtuple("RuleContext", "pack path options")

"""The lint engine: find files, run the rules of policies/rules/, apply config and suppressions."""

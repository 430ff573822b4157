"""The label values of `driftgate_deployed_info`, and their budget per target.

A label value is a series in Prometheus, kept for its retention. Values that
come from a target's payload are therefore bounded twice:

- in form: `git_sha` and `version` are exported normalised when they are
  SHAs and as the fixed INVALID otherwise (a semver, "unknown", 100 kB of
  junk), `sha` is the 7-hex short SHA or "";
- in number: each target may bring in at most NEW_LABELS_PER_HOUR label sets
  it has not shown in the last hour. A target answering a new random SHA at
  every probe gets OVER_BUDGET (no SHA, "invalid") past that, with its
  payload flagged invalid, until the hour has room again. Label sets made
  only of "" and INVALID are free: there are four of them.

Worst case per target and day: 24 * NEW_LABELS_PER_HOUR + 4 info series.

>>> deployed_labels("94E9CBB0", "sha-94e9cbb")
('94e9cbb', '94e9cbb0', 'sha-94e9cbb')
>>> deployed_labels("ref: ref", "0.9.5")
('', 'invalid', 'invalid')
"""

from driftgate.policies.sha import normalise_sha, short_sha

INVALID = "invalid"  # the label value of a git_sha/version that is not a SHA
NEW_LABELS_PER_HOUR = 6  # a deploy every 10 minutes, for a whole hour
OVER_BUDGET = ("", INVALID, INVALID)
NO_ANSWER = ("", "", "")  # a failed probe: no payload
_HOUR = 3600.0


def sha_label(raw):
    """A payload's git_sha/version as a label value from a bounded set.

    A SHA (per `driftgate.policies.sha`) is exported normalised (lowercase, an
    optional `sha-` prefix kept); anything else is the fixed INVALID. "" when
    the payload has no such string.

    >>> sha_label(" SHA-94E9CBB "), sha_label("94e9cbb0"), sha_label("0.9.5"), sha_label(None)
    ('sha-94e9cbb', '94e9cbb0', 'invalid', '')
    """
    if not isinstance(raw, str):
        return ""
    sha = normalise_sha(raw)
    if sha is None:
        return INVALID
    return sha if raw.strip().lower() == sha else "sha-" + sha


def deployed_labels(raw_git_sha, raw_version):
    """(sha, git_sha, version) of `driftgate_deployed_info` for one payload."""
    return short_sha(raw_git_sha) or "", sha_label(raw_git_sha), sha_label(raw_version)


def admit(labels, exported, admitted, now):
    """(labels to export, label sets admitted in the last hour) for a new answer.

    `exported` is what the target shows now, `admitted` the ((labels, unix
    time), ...) it brought in within the last hour. The answer's labels are
    exported when they cost no new series (free, shown now or within the
    hour) or when the hour has room; otherwise OVER_BUDGET.

    >>> shown, admitted = admit(("aaaaaaa", "aaaaaaa", ""), NO_ANSWER, (), now=0.0)
    >>> shown, len(admitted)
    (('aaaaaaa', 'aaaaaaa', ''), 1)
    """
    admitted = tuple(entry for entry in admitted if now - entry[1] < _HOUR)
    if labels == exported or not labels[0] and set(labels[1:]) <= {"", INVALID}:
        return labels, admitted
    if any(entry[0] == labels for entry in admitted):
        return labels, admitted
    if len(admitted) < NEW_LABELS_PER_HOUR:
        return labels, (*admitted, (labels, now))
    return OVER_BUDGET, admitted

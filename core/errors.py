"""The one error type for problems a user can fix (bad names, bad numbers)."""


class LossMountainError(ValueError):
    """A problem with the user's input, with a message a learner understands."""

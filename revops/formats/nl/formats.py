"""The two ways a moment is written in Dutch: a day ("3 dec 2026") and a day with its time
("3 dec 2026 14:05"). Every template and message uses these, never a format of its own."""

DATE_FORMAT = "j b Y"  # "b": the month in lower case, as Dutch writes it
DATETIME_FORMAT = "j b Y H:i"
SHORT_DATE_FORMAT = DATE_FORMAT
SHORT_DATETIME_FORMAT = DATETIME_FORMAT
TIME_FORMAT = "H:i"

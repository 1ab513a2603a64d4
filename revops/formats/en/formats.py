"""The two ways a moment is written in English: a day ("3 Dec 2026") and a day with its time
("3 Dec 2026 14:05"). Every template and message uses these, never a format of its own."""

DATE_FORMAT = "j M Y"
DATETIME_FORMAT = "j M Y H:i"
SHORT_DATE_FORMAT = DATE_FORMAT
SHORT_DATETIME_FORMAT = DATETIME_FORMAT
TIME_FORMAT = "H:i"

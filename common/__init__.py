"""Plain helpers every app may use: roles, the one business clock, database writers, person
names and e-mail domains. Nothing here imports one of Handoff's apps."""

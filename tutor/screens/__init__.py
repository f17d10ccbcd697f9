"""The app's screens: the lesson browser, a lesson, help, and small dialogs."""

# Widths at which a screen gets the class `-narrow` or `-wide` (text left, graph and plots right).
BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]

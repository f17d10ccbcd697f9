"""The app's screens: the lesson browser, a lesson, help, and small dialogs."""

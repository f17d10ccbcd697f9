"""Backprop Tutor: the Textual app and the command line.

Importing this package is cheap; Textual, numpy and plotext are imported by
the modules that need them, when they need them.
"""

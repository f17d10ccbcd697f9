"""Build-it-yourself exercises: laying the files out, checking them in a child, the exercises screen."""

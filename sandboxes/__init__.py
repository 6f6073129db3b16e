"""Local stand-ins for outside systems, each its own small WSGI app on its own port."""

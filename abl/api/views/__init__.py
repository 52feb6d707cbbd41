"""The API's views: each a short function or list over abl/access.py and one service call."""

# __init__.py
from .my_plugin import MyPlugin

plugin_class = MyPlugin

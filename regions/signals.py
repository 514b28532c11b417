"""Signals the region register sends; apps holding derived geometry listen.

``boundaries_changed(sender=Region, codes=[...])`` is sent after a load committed
new boundaries for those region codes, so that e.g. protected areas computed
from them are recomputed. regions never imports the apps that listen.
"""

from django.dispatch import Signal

boundaries_changed = Signal()

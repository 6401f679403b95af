#!/usr/bin/python3
"""A StatusNotifierWatcher with a host, as a desktop with StatusNotifierItem trays has one
(KDE Plasma, GNOME's AppIndicator extension, Xfce's plugin): org.kde.StatusNotifierWatcher on
the session bus. Items that register are printed, one line each ("item <bus name> <path>").

It draws nothing: the tests drive the items' menus over D-Bus (com.canonical.dbusmenu) as a
host would.
"""

import sys

import dbus
import dbus.service
from dbus.mainloop.glib import DBusGMainLoop
from gi.repository import GLib

WATCHER = "org.kde.StatusNotifierWatcher"
PROPERTIES = "org.freedesktop.DBus.Properties"


class Watcher(dbus.service.Object):
    def __init__(self, bus):
        super().__init__(bus, "/StatusNotifierWatcher")
        self.bus = bus
        self.items = []
        bus.add_signal_receiver(self.name_owner_changed, "NameOwnerChanged", "org.freedesktop.DBus")

    @dbus.service.method(WATCHER, in_signature="s", out_signature="", sender_keyword="sender")
    def RegisterStatusNotifierItem(self, service, sender=None):
        # Items give their bus name, or (libappindicator) their object path.
        name, path = (sender, service) if service.startswith("/") else (service, "/StatusNotifierItem")
        entry = f"{name}{path}"
        if entry not in self.items:
            self.items.append(entry)
            print(f"item {name} {path}", flush=True)
            self.StatusNotifierItemRegistered(entry)

    @dbus.service.method(WATCHER, in_signature="s", out_signature="")
    def RegisterStatusNotifierHost(self, service):
        pass

    @dbus.service.signal(WATCHER, signature="s")
    def StatusNotifierItemRegistered(self, service):
        pass

    @dbus.service.signal(WATCHER, signature="s")
    def StatusNotifierItemUnregistered(self, service):
        pass

    @dbus.service.signal(WATCHER, signature="")
    def StatusNotifierHostRegistered(self):
        pass

    def name_owner_changed(self, name, old, new):
        if new:
            return
        for entry in [e for e in self.items if e.split("/", 1)[0] == name]:
            self.items.remove(entry)
            self.StatusNotifierItemUnregistered(entry)

    def props(self):
        return {
            "RegisteredStatusNotifierItems": dbus.Array(self.items, signature="s"),
            "IsStatusNotifierHostRegistered": dbus.Boolean(True),
            "ProtocolVersion": dbus.Int32(0),
        }

    @dbus.service.method(PROPERTIES, in_signature="ss", out_signature="v")
    def Get(self, interface, name):
        return self.props()[name]

    @dbus.service.method(PROPERTIES, in_signature="s", out_signature="a{sv}")
    def GetAll(self, interface):
        return self.props()


def main():
    DBusGMainLoop(set_as_default=True)
    bus = dbus.SessionBus()
    name = dbus.service.BusName(WATCHER, bus, do_not_queue=True)
    watcher = Watcher(bus)
    print("watcher ready", flush=True)
    try:
        GLib.MainLoop().run()
    finally:
        del name, watcher


if __name__ == "__main__":
    sys.exit(main())

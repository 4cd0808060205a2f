"""The admin command line: ``receptionist <command>``. No Qt, no network."""

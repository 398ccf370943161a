"""Sync schedules: the refresh sequence run by itself, once per tick across workers."""

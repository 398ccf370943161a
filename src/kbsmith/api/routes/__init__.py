"""Every router of the public API."""

from fastapi import APIRouter

from kbsmith.api.routes import bots

ROUTERS: list[APIRouter] = [bots.router]

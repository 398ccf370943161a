"""Webhooks: subscriptions, signed durable deliveries of the events kbsmith announces."""

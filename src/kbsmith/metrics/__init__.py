"""What an operator watches: Prometheus instruments, the database's view, `/metrics`."""

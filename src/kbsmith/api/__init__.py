"""The HTTP layer: routers, schemas, auth, the error contract. No SQL, no business rules."""

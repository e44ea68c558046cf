"""SQLAlchemy, PostgreSQL and the other outside things the domain's interfaces are built on."""

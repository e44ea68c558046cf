"""The shop's business: entities, rules, repository and unit-of-work interfaces, use cases.

Plain Python only: nothing here imports a web framework, an ORM or an outer layer.
"""

"""Limits on work: rate limits, failed sign-ins, concurrent ingests, bcrypt checks.

`stores` keeps what every worker and instance shares (the database, or Redis when
REDIS_URL is set); `guards` decides, with messages that say when to come back.
"""

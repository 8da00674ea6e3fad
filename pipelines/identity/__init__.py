"""Identity resolution: every candidate record from every source resolved to a person.

settings (the [identity] section) -> normalize (keys: emails, phones, names, URLs, city) ->
rules (deterministic pairs, in configured order) -> probabilistic (Splink, optional) ->
cluster (components with hard negatives and decisions) -> golden (survivorship) -> tables
(person, identity_link, identity_pair). resolve.py runs the chain; decisions.py records what
people decide; quality.py scores a resolution against a ground truth.
"""

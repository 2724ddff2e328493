"""midge projects: a folder with ``midge.toml``, ``data/`` and a README.

- ``load_project(folder) -> Project``: the validated settings (``project.load``).
- ``create_project(folder, template, settings) -> Project``: a new project from
  a template with ``key=value`` overrides (``project.create``).
- ``TEMPLATES``: the template names; ``schema`` documents every key.

Every later command (`midge data ...`, training, deployment) takes the project folder.
"""

from midge_host.project.create import TEMPLATES, apply_overrides, create_project, template_data
from midge_host.project.load import Project, load_project

__all__ = ["TEMPLATES", "Project", "apply_overrides", "create_project", "load_project",
           "template_data"]

"""The HTTP service's tests (a package, so that its conftest and modules have unique names)."""

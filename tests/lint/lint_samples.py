"""Small workflow and compose texts shared by the lint engine tests."""

CI_WITH_PUSH = "name: CI\non:\n  push:\n    branches: [main]\njobs:\n  test:\n    runs-on: x\n"
CLEAN_CI = "name: CI\non: [pull_request]\njobs:\n  test:\n    runs-on: x\n"
DEPLOY = """\
name: Deploy
on:
  workflow_dispatch:
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - run: |
          set -e
          echo "deploying"
"""
COMPOSE_LATEST = "services:\n  api:\n    image: registry/api:latest\n"

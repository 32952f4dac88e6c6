"""User administration (用户管理): accounts, roles and their scope; admins only."""

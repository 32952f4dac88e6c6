"""Backup and restore (备份与恢复): the database and the uploaded files in one archive."""

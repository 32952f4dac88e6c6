"""One search box (全局搜索): branches by name or code, members by name, users by name —
each within what the user may see."""

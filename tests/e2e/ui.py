"""Small helpers for the site's shell in browser tests: on a phone the menu (navigation and
退出) sits behind the 菜单 button."""


def open_menu(page) -> None:
    toggle = page.locator(".menu-toggle")
    if toggle.count() and toggle.is_visible() and toggle.get_attribute("aria-expanded") != "true":
        toggle.click()


def nav_click(page, label: str) -> None:
    open_menu(page)
    page.click(f"nav >> text={label}")


def logout(page) -> None:
    open_menu(page)
    page.click(".logout >> text=退出")

from django.core.management.base import BaseCommand

from lms.pwa.icons import icons_write


class Command(BaseCommand):
    help = "Draw the app icons (PNG 192/512, plain and maskable) and the favicon into lms/pwa/static/pwa/icons/."

    def handle(self, *args, **options):
        for path in icons_write():
            self.stdout.write(str(path))

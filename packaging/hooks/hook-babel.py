# Replaces PyInstaller's own babel hook, which collects the locale data of every language
# (32 MB). The program reads .po catalogs for Polish and English only; Babel needs the
# data of those locales, their parent "root", and global.dat.
from PyInstaller.utils.hooks import collect_data_files

datas = collect_data_files(
    "babel",
    includes=["global.dat", "locale-data/root.dat", "locale-data/pl.dat", "locale-data/en.dat"],
)

# Windows: build the one-folder bundle and its Inno Setup installer. Run on Windows 10/11
# with Python 3.11 (`pip install -e ".[dev]"`) and Inno Setup 6 (https://jrsoftware.org;
# on GitHub's windows runners it is preinstalled, else `choco install innosetup`):
#
#   powershell -ExecutionPolicy Bypass -File packaging\windows\build.ps1 [-OutDir dist]
#
# -> OUT_DIR\ksef-desktop-VERSION-setup.exe. The version is read from ksef_desktop\__init__.py
# and passed to Inno Setup (AppVersion); it is never written in the .iss.
param(
    [string]$OutDir = "dist",
    [string]$Python = ""
)
$ErrorActionPreference = "Stop"
$Root = Resolve-Path (Join-Path $PSScriptRoot "..\..")
Set-Location $Root

if (-not $Python) {
    $Python = if ($env:PYTHON) { $env:PYTHON }
              elseif (Test-Path ".venv\Scripts\python.exe") { ".venv\Scripts\python.exe" }
              else { "python" }
}
$found = Select-String -Path "ksef_desktop\__init__.py" -Pattern '^__version__ = "([^"]+)"$'
if (-not $found) { throw "no __version__ in ksef_desktop\__init__.py" }
$Version = $found.Matches[0].Groups[1].Value
# Windows' file version is numbers only: 0.2.0rc1 -> 0.2.0.
$FileVersion = [regex]::Match($Version, '^\d+(\.\d+){0,3}').Value

New-Item -ItemType Directory -Force -Path $OutDir | Out-Null
$OutDir = (Resolve-Path $OutDir).Path
& $Python -m PyInstaller --noconfirm --clean --log-level WARN --distpath $OutDir `
    --workpath (Join-Path $Root "build\pyinstaller") packaging\ksef-desktop.spec
if ($LASTEXITCODE -ne 0) { throw "PyInstaller failed" }

$Bundle = Join-Path $OutDir "ksef-desktop"
$said = & (Join-Path $Bundle "ksef-desktop.exe") --version
if ("$said".Trim() -ne "ksef-desktop $Version") { throw "the bundle says '$said', the source $Version" }

$Iscc = (Get-Command "iscc.exe" -ErrorAction SilentlyContinue).Source
if (-not $Iscc) { $Iscc = Join-Path ${env:ProgramFiles(x86)} "Inno Setup 6\ISCC.exe" }
if (-not (Test-Path $Iscc)) { throw "Inno Setup 6 (ISCC.exe) not found: install it first" }
& $Iscc /Qp "/DAppVersion=$Version" "/DFileVersion=$FileVersion" "/DSourceDir=$Bundle" `
    "/DOutputDir=$OutDir" packaging\windows\ksef-desktop.iss
if ($LASTEXITCODE -ne 0) { throw "Inno Setup failed" }
Join-Path $OutDir "ksef-desktop-$Version-setup.exe"

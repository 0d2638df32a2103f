; Inno Setup 6 script of the KSeF Desktop installer for Windows 10/11 (x64).
; Built by packaging\windows\build.ps1, which builds the one-folder bundle first and passes
; the version (read from ksef_desktop\__init__.py, never written here) and the folders:
;   ISCC /DAppVersion=X /DFileVersion=X /DSourceDir=...\dist\ksef-desktop /DOutputDir=...\dist ksef-desktop.iss
;
; Per user, without administrator rights: the program goes to
; %LOCALAPPDATA%\Programs\KSeF Desktop, the shortcut to the user's Start menu.
; The keyring is the Windows Credential Manager, part of Windows (keyring's Windows
; backend is in the bundle): nothing else to install.
; The uninstaller removes only the files this installer put in {app}: there is no
; [UninstallDelete] section and no [Code]. The data folder (%LOCALAPPDATA%\ksef-desktop:
; database, archive of every XML and UPO, PDFs, logs) and the token in the Credential
; Manager stay; installing again finds them as they were.

#ifndef AppVersion
  #error Build with packaging\windows\build.ps1: it passes AppVersion from ksef_desktop\__init__.py
#endif
#ifndef FileVersion
  #define FileVersion AppVersion
#endif
#ifndef SourceDir
  #define SourceDir "..\..\dist\ksef-desktop"
#endif
#ifndef OutputDir
  #define OutputDir "..\..\dist"
#endif
#define AppName "KSeF Desktop"
#define AppExe "ksef-desktop-gui.exe"

[Setup]
; The program's identity for Windows: never change it, or upgrades install a second copy.
AppId={{D6E69433-B0AC-44FE-9C25-EBB3D7C1C28B}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=KSeF Desktop
VersionInfoVersion={#FileVersion}
VersionInfoProductVersion={#FileVersion}
PrivilegesRequired=lowest
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
; "x64" is understood by every Inno Setup 6 (6.3 and later call it x64os).
ArchitecturesAllowed=x64
ArchitecturesInstallIn64BitMode=x64
MinVersion=10.0
OutputDir={#OutputDir}
OutputBaseFilename=ksef-desktop-{#AppVersion}-setup
SetupIconFile=..\..\resources\icons\ksef-desktop.ico
UninstallDisplayIcon={app}\{#AppExe}
UninstallDisplayName={#AppName}
Compression=lzma2
SolidCompression=yes
WizardStyle=modern

[Languages]
Name: "polish"; MessagesFile: "compiler:Languages\Polish.isl"
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Files]
Source: "{#SourceDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{group}\{#AppName}"; Filename: "{app}\{#AppExe}"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExe}"; Tasks: desktopicon

[Run]
Filename: "{app}\{#AppExe}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent

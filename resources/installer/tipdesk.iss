; Inno Setup 6 script for tipdesk (Windows installer).
;
; Build (from the repository root, after the PyInstaller build made dist\tipdesk\):
;     iscc resources\installer\tipdesk.iss
; Output: dist\tipdesk-<version>-setup.exe. See resources\installer\README-windows.md.
;
; Data: tipdesk keeps its database, key file, logs and backups in %LOCALAPPDATA%\tipdesk (per Windows
; user, created by tipdesk itself, never by this installer). This script installs only program files
; into {app} and deletes only {app} on uninstall; no [UninstallDelete] or [InstallDelete] entry may ever
; name {localappdata}\tipdesk. An upgrade replaces the program files; tipdesk migrates the database at
; the next login, after writing a pre-migration copy into %LOCALAPPDATA%\tipdesk\backups.

#define AppName "tipdesk"
#define AppExe "tipdesk.exe"
#define DistDir AddBackslash(SourcePath) + "..\..\dist\tipdesk"
#ifndef AppVersion
  ; the version is read from tipdesk.exe, which build_installer.spec stamps with tipdesk.__version__
  #define AppVersion GetVersionNumbersString(DistDir + "\" + AppExe)
#endif

[Setup]
; Never change AppId: Windows recognises upgrades and the uninstaller by it.
AppId={{7C2E5F0A-3B9D-4E61-9A7F-2D4C8B1E6F35}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=tipdesk
VersionInfoVersion={#AppVersion}
; Per-user by default (no administrator needed: %LOCALAPPDATA%\Programs\tipdesk); the first page, or
; /ALLUSERS on the command line, installs for every user of the PC (Program Files).
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog commandline
DefaultDirName={autopf}\{#AppName}
DisableProgramGroupPage=yes
DefaultGroupName={#AppName}
UninstallDisplayName={#AppName} {#AppVersion}
UninstallDisplayIcon={app}\{#AppExe}
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir={#DistDir}\..
OutputBaseFilename={#AppName}-{#AppVersion}-setup
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
; Close a running tipdesk before replacing its files (Restart Manager).
CloseApplications=yes
RestartApplications=no
SetupLogging=yes
MinVersion=10.0

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"
#if FileExists(AddBackslash(CompilerPath) + "Languages\Vietnamese.isl")
Name: "vietnamese"; MessagesFile: "compiler:Languages\Vietnamese.isl"
#endif

[CustomMessages]
english.DataKept=tipdesk was removed. Your data (database, keys, logs and backups) was kept in %1. Delete that folder yourself only if you have a verified backup and no longer need the data.
#if FileExists(AddBackslash(CompilerPath) + "Languages\Vietnamese.isl")
vietnamese.DataKept=Đã gỡ tipdesk. Dữ liệu của bạn (cơ sở dữ liệu, khóa, nhật ký và bản sao lưu) vẫn được giữ trong %1. Chỉ tự xóa thư mục đó khi đã có bản sao lưu được kiểm tra và không còn cần dữ liệu.
#endif

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[InstallDelete]
; Program files of the previous version only (stale modules would otherwise stay next to the new ones).
Type: filesandordirs; Name: "{app}\_internal"

[Files]
Source: "{#DistDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\{#AppExe}"; WorkingDir: "{app}"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExe}"; WorkingDir: "{app}"; Tasks: desktopicon

[Run]
Filename: "{app}\{#AppExe}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: postinstall nowait skipifsilent

[Code]
procedure CurUninstallStepChanged(CurUninstallStep: TUninstallStep);
begin
  if (CurUninstallStep = usPostUninstall) and not UninstallSilent then
    MsgBox(FmtMessage(CustomMessage('DataKept'), [ExpandConstant('{localappdata}\tipdesk')]), mbInformation, MB_OK);
end;

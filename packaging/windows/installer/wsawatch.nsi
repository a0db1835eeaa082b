; wsawatch installer for 64-bit Windows (NSIS 3, built on Linux with makensis).
;
; Built by packaging/windows/package.sh, which passes:
;   -DVERSION=x.y.z        from project() in CMakeLists.txt
;   -DEXE=/abs/wsawatch.exe  the cross-built binary (packaging/windows/build.sh)
;   -DSRCROOT=/abs/repo    the checkout (rules/, README.md, config/)
;   -DOUTFILE=/abs/out.exe the installer to write
;   -DLICENSES=/abs/dir    third-party licences (a folder per library)
;
; Install:    wsawatch-<version>-setup.exe            (wizard; asks for admin)
;             wsawatch-<version>-setup.exe /S         (silent)
;             wsawatch-<version>-setup.exe /S /D=D:\Tools\wsawatch   (/D last, unquoted)
;             /NOSTART=1  register the service but do not start it
; Uninstall:  "C:\Program Files\wsawatch\uninstall.exe"           (wizard; a
;             "Remove configuration and state" checkbox, off by default)
;             "C:\Program Files\wsawatch\uninstall.exe" /S          (keeps C:\ProgramData\wsawatch)
;             "C:\Program Files\wsawatch\uninstall.exe" /S /PURGE=1 (also deletes it)
;
; Exit codes of the installer: 0 done; 1 cancelled; 2 aborted (an error
; message says why); 3 installed, but the configuration does not check or the
; service could not be registered or started (the details are in the log
; window; the files are installed and a second run or a manual
; `wsawatch.exe service install` completes it).

Unicode true
Target amd64-unicode
ManifestSupportedOS all
RequestExecutionLevel admin
SetCompressor /SOLID lzma

!ifndef VERSION
  !error "pass -DVERSION=x.y.z (packaging/windows/package.sh does)"
!endif
!ifndef EXE
  !error "pass -DEXE=/path/to/wsawatch.exe"
!endif
!ifndef SRCROOT
  !error "pass -DSRCROOT=/path/to/checkout"
!endif
!ifndef OUTFILE
  !define OUTFILE "wsawatch-${VERSION}-setup.exe"
!endif

!define NAME        "wsawatch"
!define SERVICE     "wsawatch"
!define PUBLISHER   "wsawatch maintainers"
!define URL         "https://wsawatch.invalid/"
!define UNINST_KEY  "Software\Microsoft\Windows\CurrentVersion\Uninstall\wsawatch"
!define APP_KEY     "Software\wsawatch"

!include "MUI2.nsh"
!include "LogicLib.nsh"
!include "FileFunc.nsh"
!include "x64.nsh"
!include "Sections.nsh"

Name "${NAME} ${VERSION}"
OutFile "${OUTFILE}"
InstallDir "$PROGRAMFILES64\${NAME}"
; An earlier install location wins over the default (not over /D=).
InstallDirRegKey HKLM "${APP_KEY}" "InstallDir"
BrandingText "${NAME} ${VERSION}"
ShowInstDetails show
ShowUninstDetails show

VIProductVersion "${VERSION}.0"
VIAddVersionKey /LANG=1033 "ProductName" "${NAME}"
VIAddVersionKey /LANG=1033 "ProductVersion" "${VERSION}"
VIAddVersionKey /LANG=1033 "FileVersion" "${VERSION}"
VIAddVersionKey /LANG=1033 "FileDescription" "${NAME} installer: Winsock error log watcher"
VIAddVersionKey /LANG=1033 "CompanyName" "${PUBLISHER}"
VIAddVersionKey /LANG=1033 "LegalCopyright" "${PUBLISHER}"

Var DataDir      ; C:\ProgramData\wsawatch
Var ConfigFile   ; $DataDir\wsawatch.yaml
Var Problems     ; non-zero: finish with exit code 3

!define MUI_ABORTWARNING
!define MUI_FINISHPAGE_NOAUTOCLOSE
!define MUI_UNFINISHPAGE_NOAUTOCLOSE
!insertmacro MUI_PAGE_WELCOME
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_PAGE_FINISH

!define MUI_COMPONENTSPAGE_TEXT_TOP "The configuration, offsets and events in the data folder (C:\ProgramData\wsawatch) are kept unless you tick the box below."
!insertmacro MUI_UNPAGE_COMPONENTS
!insertmacro MUI_UNPAGE_INSTFILES
!insertmacro MUI_UNPAGE_FINISH

!insertmacro MUI_LANGUAGE "English"

; ------------------------------------------------------------------ helpers

; Sets $DataDir to %ProgramData%\wsawatch (the all-users application data
; folder; C:\ProgramData on every supported Windows).
!macro SetDataDir
  SetShellVarContext all
  StrCpy $DataDir "$APPDATA\${NAME}"
  StrCpy $ConfigFile "$DataDir\wsawatch.yaml"
!macroend

; Runs a command line, its output into the log window; exit code in $0
; ("error" if it could not be started).
!macro Run CMDLINE
  DetailPrint `> ${CMDLINE}`
  nsExec::ExecToLog '${CMDLINE}'
  Pop $0
!macroend

; Stops the service if it exists, then waits (at most 30 s) until its
; process has let go of wsawatch.exe. net stop returns 2 when the service is
; not running or does not exist: both are fine here.
!macro StopService
  !insertmacro Run '"$SYSDIR\net.exe" stop ${SERVICE}'
  ${If} ${FileExists} "$INSTDIR\wsawatch.exe"
    StrCpy $R9 0
    ${Do}
      ClearErrors
      FileOpen $R8 "$INSTDIR\wsawatch.exe" a
      ${IfNot} ${Errors}
        FileClose $R8
        ${Break}
      ${EndIf}
      IntOp $R9 $R9 + 1
      ${If} $R9 >= 60
        DetailPrint "wsawatch.exe is still in use after 30 s"
        ${Break}
      ${EndIf}
      Sleep 500
    ${Loop}
  ${EndIf}
!macroend

; --------------------------------------------------------------- installer

Function .onInit
  ${IfNot} ${RunningX64}
    MessageBox MB_ICONSTOP|MB_OK "wsawatch needs 64-bit Windows." /SD IDOK
    SetErrorLevel 2
    Abort
  ${EndIf}
  SetRegView 64
  !insertmacro SetDataDir
FunctionEnd

Section "wsawatch" SecMain
  SectionIn RO
  SetRegView 64
  SetOutPath "$INSTDIR"
  StrCpy $Problems 0

  ; Upgrade or repair: the running service holds wsawatch.exe open. It stays
  ; registered: `service install` below updates the existing entry (deleting
  ; and re-creating it could meet a service still "marked for deletion").
  ${If} ${FileExists} "$INSTDIR\wsawatch.exe"
    DetailPrint "Stopping the installed service"
    !insertmacro StopService
  ${EndIf}

  ; Program files. rules\ is for reference: wsawatch.exe embeds the same rules.
  File "/oname=wsawatch.exe" "${EXE}"
  File "/oname=README.md" "${SRCROOT}/README.md"
  File "/oname=LICENSE.txt" "${SRCROOT}/LICENSE"
  ; The libraries inside wsawatch.exe (PCRE2, libyaml, libuv, curl) and the
  ; mingw-w64 runtime, each with the licence text its Debian source carries.
  SetOutPath "$INSTDIR\licenses"
  File /r "${LICENSES}/*"
  SetOutPath "$INSTDIR\docs"
  File /r "${SRCROOT}/docs/*.md"
  SetOutPath "$INSTDIR"
  File "/oname=wsawatch-windows.yaml.example" "${SRCROOT}/config/wsawatch-windows.yaml"
  SetOutPath "$INSTDIR\rules"
  File "/oname=README.md" "${SRCROOT}/rules/README.md"
  File /r "${SRCROOT}/rules/*.yaml"
  SetOutPath "$INSTDIR"

  ; Data folder: configuration, offsets, events. Created with an ACL of its
  ; own (SYSTEM and Administrators full control, Users read) so that
  ; unprivileged users cannot plant configuration or rules for a service that
  ; runs as LocalSystem. An existing folder keeps the ACL it has.
  ${IfNot} ${FileExists} "$DataDir\*.*"
    CreateDirectory "$DataDir"
    !insertmacro Run '"$SYSDIR\icacls.exe" "$DataDir" /inheritance:r /grant:r *S-1-5-18:(OI)(CI)F *S-1-5-32-544:(OI)(CI)F *S-1-5-32-545:(OI)(CI)RX'
  ${EndIf}

  ; The configuration: only when there is none (never overwrite the user's).
  ${If} ${FileExists} "$ConfigFile"
    DetailPrint "Keeping the existing configuration $ConfigFile"
  ${Else}
    DetailPrint "Installing the example configuration as $ConfigFile"
    SetOutPath "$DataDir"
    File "/oname=wsawatch.yaml" "${SRCROOT}/config/wsawatch-windows.yaml"
    SetOutPath "$INSTDIR"
  ${EndIf}

  ; Uninstaller and the Add/Remove Programs entry.
  WriteUninstaller "$INSTDIR\uninstall.exe"
  WriteRegStr HKLM "${APP_KEY}" "InstallDir" "$INSTDIR"
  WriteRegStr HKLM "${APP_KEY}" "ConfigFile" "$ConfigFile"
  WriteRegStr HKLM "${APP_KEY}" "Version" "${VERSION}"
  WriteRegStr HKLM "${UNINST_KEY}" "DisplayName" "${NAME}"
  WriteRegStr HKLM "${UNINST_KEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr HKLM "${UNINST_KEY}" "Publisher" "${PUBLISHER}"
  WriteRegStr HKLM "${UNINST_KEY}" "URLInfoAbout" "${URL}"
  WriteRegStr HKLM "${UNINST_KEY}" "DisplayIcon" "$INSTDIR\wsawatch.exe"
  WriteRegStr HKLM "${UNINST_KEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr HKLM "${UNINST_KEY}" "UninstallString" '"$INSTDIR\uninstall.exe"'
  WriteRegStr HKLM "${UNINST_KEY}" "QuietUninstallString" '"$INSTDIR\uninstall.exe" /S'
  WriteRegDWORD HKLM "${UNINST_KEY}" "NoModify" 1
  WriteRegDWORD HKLM "${UNINST_KEY}" "NoRepair" 1
  ${GetSize} "$INSTDIR" "/S=0K" $0 $1 $2
  IntFmt $0 "0x%08X" $0
  WriteRegDWORD HKLM "${UNINST_KEY}" "EstimatedSize" "$0"

  ; Check the configuration, register the service (and its Event Log
  ; source), start it. A configuration that does not check is not started:
  ; the service would stop at once.
  !insertmacro Run '"$INSTDIR\wsawatch.exe" check --config "$ConfigFile"'
  ${If} $0 != 0
    StrCpy $Problems 1
    DetailPrint "The configuration $ConfigFile has errors (above): fix it, then run net start ${SERVICE}"
    MessageBox MB_ICONEXCLAMATION|MB_OK "The configuration$\r$\n$ConfigFile$\r$\nhas errors (see the details). The service is installed but not started: fix the file, check it with$\r$\n  wsawatch.exe check --config $\"$ConfigFile$\"$\r$\nthen run: net start ${SERVICE}" /SD IDOK
  ${EndIf}

  !insertmacro Run '"$INSTDIR\wsawatch.exe" service install --config "$ConfigFile"'
  ${If} $0 != 0
    StrCpy $Problems 1
    MessageBox MB_ICONEXCLAMATION|MB_OK "Could not register the ${SERVICE} service (exit code $0, details in the log)." /SD IDOK
  ${ElseIf} $Problems == 0
    ${GetOptions} $CMDLINE "/NOSTART=" $1
    ${If} $1 == "1"
      DetailPrint "/NOSTART=1: the service is registered but not started"
    ${Else}
      !insertmacro Run '"$SYSDIR\net.exe" start ${SERVICE}'
      ${If} $0 != 0
        StrCpy $Problems 1
        DetailPrint "The service did not start: see Event Viewer, Windows Logs > Application, source wsawatch"
        MessageBox MB_ICONEXCLAMATION|MB_OK "The ${SERVICE} service did not start (see Event Viewer, Application log, source wsawatch)." /SD IDOK
      ${EndIf}
    ${EndIf}
  ${EndIf}

  ${If} $Problems != 0
    SetErrorLevel 3
  ${EndIf}
SectionEnd

; ------------------------------------------------------------- uninstaller

Section "un.wsawatch" UnSecMain
  SectionIn RO
  SetRegView 64

  DetailPrint "Stopping and unregistering the service"
  !insertmacro StopService
  ${If} ${FileExists} "$INSTDIR\wsawatch.exe"
    !insertmacro Run '"$INSTDIR\wsawatch.exe" service uninstall'
  ${EndIf}
  ; Whatever the binary did: the service must not outlive its program.
  !insertmacro Run '"$SYSDIR\sc.exe" delete ${SERVICE}'

  Delete "$INSTDIR\wsawatch.exe"
  Delete "$INSTDIR\README.md"
  Delete "$INSTDIR\LICENSE.txt"
  RMDir /r "$INSTDIR\docs"
  RMDir /r "$INSTDIR\licenses"
  Delete "$INSTDIR\wsawatch-windows.yaml.example"
  RMDir /r "$INSTDIR\rules"
  Delete "$INSTDIR\uninstall.exe"
  RMDir "$INSTDIR"   ; only if empty: files a user put there stay

  DeleteRegKey HKLM "${UNINST_KEY}"
  DeleteRegKey HKLM "${APP_KEY}"
SectionEnd

; Off by default; /PURGE=1 on the command line selects it (see un.onInit).
Section /o "un.Remove configuration and state" UnSecPurge
  DetailPrint "Removing $DataDir (configuration, offsets, events)"
  RMDir /r "$DataDir"
SectionEnd

LangString DESC_UnSecMain ${LANG_ENGLISH} "The program, the rules, the service and its Event Log source."
LangString DESC_UnSecPurge ${LANG_ENGLISH} "Also delete C:\ProgramData\wsawatch: the configuration, the offsets of followed files and events.jsonl."
!insertmacro MUI_UNFUNCTION_DESCRIPTION_BEGIN
  !insertmacro MUI_DESCRIPTION_TEXT ${UnSecMain} $(DESC_UnSecMain)
  !insertmacro MUI_DESCRIPTION_TEXT ${UnSecPurge} $(DESC_UnSecPurge)
!insertmacro MUI_UNFUNCTION_DESCRIPTION_END

Function un.onInit
  SetRegView 64
  !insertmacro SetDataDir
  ${GetOptions} $CMDLINE "/PURGE=" $0
  ${If} $0 == "1"
    !insertmacro SelectSection ${UnSecPurge}
  ${EndIf}
FunctionEnd

# Helpers shared by every target of the project.

# Warnings and Qt hygiene for our own code. Generated code (moc, rcc) is compiled with the same
# flags; Qt's own headers are system headers and do not trigger -Werror.
function(teep_configure_target target)
    target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor)
    if(TEEP_WARNINGS_AS_ERRORS)
        target_compile_options(${target} PRIVATE -Werror)
    endif()
    target_compile_definitions(${target} PRIVATE
        QT_NO_CAST_TO_ASCII
        QT_NO_URL_CAST_FROM_STRING
        QT_NO_NARROWING_CONVERSIONS_IN_CONNECT
        QT_NO_FOREACH
        QT_DISABLE_DEPRECATED_BEFORE=0x060400)
endfunction()

# core/ must never reach QtGui or QtWidgets, not even through another library. This walks the
# link graph of `target` and stops the configure step if either appears.
function(teep_assert_no_gui_in target)
    set(pending ${target})
    set(seen "")
    while(pending)
        list(POP_FRONT pending current)
        if(current IN_LIST seen)
            continue()
        endif()
        list(APPEND seen ${current})
        if(current MATCHES "^Qt6?::(Gui|Widgets|OpenGL|OpenGLWidgets|Quick)$")
            message(FATAL_ERROR "${target} links ${current}: core/ must not depend on QtGui or QtWidgets")
        endif()
        if(TARGET ${current})
            get_target_property(aliased ${current} ALIASED_TARGET)
            if(aliased)
                list(APPEND pending ${aliased})
            endif()
            get_target_property(libs ${current} INTERFACE_LINK_LIBRARIES)
            if(libs)
                list(APPEND pending ${libs})
            endif()
            get_target_property(type ${current} TYPE)
            if(NOT type STREQUAL "INTERFACE_LIBRARY")
                get_target_property(private_libs ${current} LINK_LIBRARIES)
                if(private_libs)
                    list(APPEND pending ${private_libs})
                endif()
            endif()
        endif()
    endwhile()
endfunction()

# Precompiled headers. Nearly every file includes Qt's containers, QtSql, nlohmann/json and
# OpenSSL's EVP; parsing them was about half of each file's compile time (a core file: 6 of 12 s,
# 183,000 preprocessed lines). Each library and program parses them once; the tests share two
# (one for widget tests, one for the others), since a test's flags match its kind's.
# TEEP_PCH=OFF builds without them (to check that every file includes what it uses).
option(TEEP_PCH "Precompile the Qt, OpenSSL and JSON headers most files include" ON)
set(TEEP_PCH_CORE
    <algorithm> <functional> <memory> <optional> <vector>
    <QByteArray> <QCborArray> <QCborMap> <QCborValue> <QDateTime> <QDir> <QFile> <QHash> <QList>
    <QMap> <QObject> <QSet> <QSqlDatabase> <QSqlError> <QSqlQuery> <QString> <QStringList>
    <QVariant>
    <nlohmann/json.hpp> <openssl/evp.h> <openssl/x509v3.h>)
set(TEEP_PCH_WIDGETS
    <QAbstractItemModel> <QApplication> <QComboBox> <QHBoxLayout> <QHeaderView> <QLabel>
    <QLineEdit> <QPushButton> <QStackedWidget> <QTableView> <QTreeWidget> <QVBoxLayout> <QWidget>)

# teep_precompile(TARGET [WIDGETS] [TEST] [REUSE_FROM OTHER])
function(teep_precompile target)
    cmake_parse_arguments(ARG "WIDGETS;TEST" "REUSE_FROM" "" ${ARGN})
    if(NOT TEEP_PCH)
        return()
    endif()
    if(ARG_REUSE_FROM)
        target_precompile_headers(${target} REUSE_FROM ${ARG_REUSE_FROM})
        return()
    endif()
    set(headers ${TEEP_PCH_CORE})
    if(ARG_WIDGETS)
        # Views never see JSON (core's headers only forward-declare it): their PCH leaves it out,
        # so a view that started to use it would have to say so.
        list(REMOVE_ITEM headers <nlohmann/json.hpp>)
        list(APPEND headers ${TEEP_PCH_WIDGETS})
    endif()
    if(ARG_TEST)
        list(APPEND headers <QSignalSpy> <QTest>)
    endif()
    target_precompile_headers(${target} PRIVATE ${headers})
endfunction()

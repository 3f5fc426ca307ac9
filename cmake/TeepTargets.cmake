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

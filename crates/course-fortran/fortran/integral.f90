! The 2-D integral of episode 8, sin(x + y) over [0, pi]^2 on an n x n
! grid of midpoints, in Fortran: serially, and with OpenMP threads sharing
! the rows (a reduction adds their partial sums). bind(C) gives the
! functions C names and C argument passing, so Rust calls them as C.
module course_integral
    use iso_c_binding, only: c_double, c_int64_t
    implicit none
contains
    function integral_fortran(n) result(total) bind(C, name="integral_fortran")
        integer(c_int64_t), value :: n
        real(c_double) :: total, h, x, y
        integer(c_int64_t) :: i, j
        h = acos(-1.0_c_double) / real(n, c_double)
        total = 0.0_c_double
        do i = 0, n - 1
            x = (real(i, c_double) + 0.5_c_double) * h
            do j = 0, n - 1
                y = (real(j, c_double) + 0.5_c_double) * h
                total = total + sin(x + y)
            end do
        end do
        total = total * h * h
    end function integral_fortran

    function integral_fortran_omp(n) result(total) bind(C, name="integral_fortran_omp")
        integer(c_int64_t), value :: n
        real(c_double) :: total, h, x, y
        integer(c_int64_t) :: i, j
        h = acos(-1.0_c_double) / real(n, c_double)
        total = 0.0_c_double
        !$omp parallel do private(x, y, j) reduction(+:total) schedule(static)
        do i = 0, n - 1
            x = (real(i, c_double) + 0.5_c_double) * h
            do j = 0, n - 1
                y = (real(j, c_double) + 0.5_c_double) * h
                total = total + sin(x + y)
            end do
        end do
        !$omp end parallel do
        total = total * h * h
    end function integral_fortran_omp
end module course_integral
